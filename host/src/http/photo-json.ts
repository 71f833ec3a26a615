import type { PhotoRecord } from '../services/photo-record.js';

export type PhotoJson = PhotoRecord & { urls: { jpeg: string; thumb: string } };

/** A record as the API returns it: with the URLs of its JPEG and thumbnail. */
export function photoJson(record: PhotoRecord): PhotoJson {
  return { ...record, urls: { jpeg: `/api/photos/${record.id}/jpeg`, thumb: `/api/photos/${record.id}/thumb` } };
}
