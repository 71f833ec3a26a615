# The simulated board's filesystem, mounted at "/" in place of the littlefs the real firmware mounts there.
# littlefs itself is out of scope: files live in a dict, every change is reported to the host (which keeps
# them in the flash's vfs partition), and space is counted the way littlefs on the ESP32 counts it: 4096-byte
# blocks, each file at least one, each directory two, two for the root. A write that does not fit raises
# OSError(28) (ENOSPC) and changes nothing else.
import io
import binascii
import _simhw as hw

BLOCK = 4096
S_IFDIR = 0x4000
S_IFREG = 0x8000
ENOENT = 2
ENODEV = 19
EEXIST = 17
ENOTDIR = 20
EISDIR = 21
EINVAL = 22
ENOSPC = 28
ENOTEMPTY = 39


def _blocks(n):
    return max(1, (n + BLOCK - 1) // BLOCK)


class _Reader(io.IOBase):
    def __init__(self, data, text):
        self._d = data
        self._p = 0
        self._text = text
        self._closed = False

    def readinto(self, buf):
        n = min(len(buf), len(self._d) - self._p)
        buf[:n] = self._d[self._p:self._p + n]
        self._p += n
        return n

    def _out(self, b):
        return b.decode() if self._text else b

    def read(self, n=-1):
        end = len(self._d) if n is None or n < 0 else min(len(self._d), self._p + n)
        r = self._d[self._p:end]
        self._p = end
        return self._out(r)

    def readline(self, n=-1):
        i = self._d.find(b'\n', self._p)
        end = len(self._d) if i < 0 else i + 1
        if n is not None and n >= 0:
            end = min(end, self._p + n)
        r = self._d[self._p:end]
        self._p = end
        return self._out(r)

    def readlines(self):
        out = []
        while True:
            line = self.readline()
            if not line:
                return out
            out.append(line)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def seek(self, off, whence=0):
        base = (0, self._p, len(self._d))[whence]
        self._p = max(0, min(len(self._d), base + off))
        return self._p

    def tell(self):
        return self._p

    def write(self, b):
        raise OSError(EINVAL)

    def flush(self):
        pass

    def ioctl(self, req, arg):
        return 0

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class _Writer(io.IOBase):
    def __init__(self, vfs, path, text, data):
        self._vfs = vfs
        self._path = path
        self._text = text
        self._buf = bytearray(data)
        self._closed = False

    def write(self, b):
        if self._closed:
            raise OSError(EINVAL)
        if isinstance(b, str):
            b = b.encode()
        self._vfs._check_space(self._path, len(self._buf) + len(b))
        self._buf.extend(b)
        return len(b)

    def readinto(self, buf):
        raise OSError(EINVAL)

    def flush(self):
        pass

    def ioctl(self, req, arg):
        if req == 4:  # MP_STREAM_CLOSE
            self.close()
        return 0

    def close(self):
        if not self._closed:
            self._closed = True
            self._vfs._commit(self._path, bytes(self._buf))

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class SimVfs:
    def __init__(self, files, dirs, blocks, present=True):
        self.files = files
        self.dirs = set(dirs)
        self.blocks = blocks
        self.present = present  # False: no filesystem could be mounted (no vfs partition, or corrupted)
        self.cwd = '/'

    # -- helpers ---------------------------------------------------------------------------------------
    def _abs(self, p):
        if not isinstance(p, str):
            p = p.decode()
        if not p.startswith('/'):
            p = self.cwd + '/' + p
        parts = []
        for seg in p.split('/'):
            if seg == '' or seg == '.':
                continue
            if seg == '..':
                if parts:
                    parts.pop()
                continue
            parts.append(seg)
        return '/' + '/'.join(parts)

    def _parent(self, p):
        i = p.rfind('/')
        return '/' if i <= 0 else p[:i]

    def _isdir(self, p):
        return p == '/' or p in self.dirs

    def _used(self, skip=None):
        n = 2 + 2 * len(self.dirs)
        for k, v in self.files.items():
            if k != skip:
                n += _blocks(len(v))
        return n

    def _check_space(self, path, size):
        if self._used(path) + _blocks(size) > self.blocks:
            raise OSError(ENOSPC)

    def _need(self):
        if not self.present:
            raise OSError(ENODEV)

    def _commit(self, path, data):
        self.files[path] = data
        hw.fs_write(path, binascii.hexlify(data).decode())

    # -- the VFS protocol ------------------------------------------------------------------------------
    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def ilistdir(self, p):
        d = self._abs(p)
        if not self._isdir(d):
            raise OSError(ENOENT)
        prefix = '/' if d == '/' else d + '/'
        out = []
        for k in self.dirs:
            if k.startswith(prefix) and '/' not in k[len(prefix):]:
                out.append((k[len(prefix):], S_IFDIR, 0, 0))
        for k, v in self.files.items():
            if k.startswith(prefix) and '/' not in k[len(prefix):]:
                out.append((k[len(prefix):], S_IFREG, 0, len(v)))
        out.sort()
        return iter(out)

    def stat(self, p):
        a = self._abs(p)
        if a in self.files:
            return (S_IFREG, 0, 0, 0, 0, 0, len(self.files[a]), 0, 0, 0)
        if self._isdir(a):
            return (S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        raise OSError(ENOENT)

    def open(self, p, mode):
        a = self._abs(p)
        text = 'b' not in mode
        if 'r' in mode and '+' not in mode:
            if a not in self.files:
                raise OSError(EISDIR if self._isdir(a) else ENOENT)
            return _Reader(self.files[a], text)
        self._need()
        if self._isdir(a):
            raise OSError(EISDIR)
        if not self._isdir(self._parent(a)):
            raise OSError(ENOENT)
        if 'x' in mode and a in self.files:
            raise OSError(EEXIST)
        keep = self.files.get(a, b'') if ('a' in mode or 'r' in mode) else b''
        self._check_space(a, len(keep))
        if a not in self.files or not keep:
            # littlefs creates (or truncates) the file at open
            self._commit(a, keep)
        return _Writer(self, a, text, keep)

    def remove(self, p):
        self._need()
        a = self._abs(p)
        if a not in self.files:
            raise OSError(EISDIR if self._isdir(a) else ENOENT)
        del self.files[a]
        hw.fs_remove(a)

    def rename(self, old, new):
        self._need()
        a = self._abs(old)
        b = self._abs(new)
        if a in self.files:
            if self._isdir(b):
                raise OSError(EISDIR)
            if not self._isdir(self._parent(b)):
                raise OSError(ENOENT)
            self.files[b] = self.files.pop(a)
        elif a in self.dirs:
            if b in self.files or b in self.dirs:
                raise OSError(EEXIST)
            pre = a + '/'
            for k in [k for k in self.files if k.startswith(pre)]:
                self.files[b + k[len(a):]] = self.files.pop(k)
            for k in [k for k in self.dirs if k == a or k.startswith(pre)]:
                self.dirs.discard(k)
                self.dirs.add(b + k[len(a):])
        else:
            raise OSError(ENOENT)
        hw.fs_rename(a, b)

    def mkdir(self, p):
        self._need()
        a = self._abs(p)
        if a in self.files or self._isdir(a):
            raise OSError(EEXIST)
        if not self._isdir(self._parent(a)):
            raise OSError(ENOENT)
        if self._used() + 2 > self.blocks:
            raise OSError(ENOSPC)
        self.dirs.add(a)
        hw.fs_mkdir(a)

    def rmdir(self, p):
        self._need()
        a = self._abs(p)
        if a not in self.dirs:
            raise OSError(ENOTDIR if a in self.files else ENOENT)
        pre = a + '/'
        if any(k.startswith(pre) for k in self.files) or any(k.startswith(pre) for k in self.dirs):
            raise OSError(ENOTEMPTY)
        self.dirs.discard(a)
        hw.fs_rmdir(a)

    def chdir(self, p):
        a = self._abs(p)
        if not self._isdir(a):
            raise OSError(ENOENT)
        self.cwd = a

    def getcwd(self):
        return self.cwd

    def statvfs(self, p):
        free = max(0, self.blocks - self._used()) if self.present else 0
        return (BLOCK, BLOCK, self.blocks, free, free, 0, 0, 0, 0, 255)
