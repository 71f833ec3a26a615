# `gc` for the simulated ESP32-CAM. MicroPython-WASM grows its heap on demand, so its own mem_free() reports
# what the browser-sized heap could still grow to (over 100 MB). The board's heap is fixed at the size the
# worker gives MicroPython, the 4 MB PSRAM heap of freshev's build, so free memory is that less what is used.
import gc as _gc

HEAP_BYTES = 0  # set by the worker to the heap it gave MicroPython

collect = _gc.collect
enable = _gc.enable
disable = _gc.disable
isenabled = _gc.isenabled
mem_alloc = _gc.mem_alloc
threshold = _gc.threshold


def mem_free():
    return max(0, HEAP_BYTES - _gc.mem_alloc())
