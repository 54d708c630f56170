import { fetchJson, queryString } from "../api/fetch-json";
import type {
  EncodersResponse,
  ExportFormat,
  FusionConfigsResponse,
  NeighboursResponse,
  PopulationColor,
  PopulationResponse,
  ProjectionMethod,
  UserVectors,
} from "./contract";

// The screens' calls to the UIF API (route list: NOTES-uif.md). Type-only imports of the
// contract: nothing of the server side reaches the browser bundle.

export type * from "./contract";

/** An encoder version id, or a kind ("builtin" / "openai": its newest version); undefined: the server's default. */
export type EncoderSelector = number | "builtin" | "openai";

/** Which vectors: encoder and fusion versions (undefined: the server's defaults). */
export interface VersionSelection {
  encoder?: EncoderSelector;
  fusion?: number;
}

export interface VectorsQuery extends VersionSelection {
  /** ISO instant; undefined: now. */
  asOf?: string;
  top?: number;
  offset?: number;
  limit?: number;
}

export interface PopulationQuery extends VersionSelection {
  projection: ProjectionMethod;
  color: PopulationColor;
}

export interface ExportRequest extends VersionSelection {
  asOf: string;
  format: ExportFormat;
  /** External ids; empty or undefined: every user. */
  users?: readonly string[];
}

const userPath = (externalId: string) => `/api/users/${encodeURIComponent(externalId)}`;

export const uifApi = {
  vectors: (externalId: string, q: VectorsQuery) =>
    fetchJson<UserVectors>(`${userPath(externalId)}/vectors${queryString({ ...q })}`),
  neighbours: (externalId: string, q: VersionSelection & { k: number }) =>
    fetchJson<NeighboursResponse>(`${userPath(externalId)}/neighbours${queryString({ ...q })}`),
  population: (q: PopulationQuery) => fetchJson<PopulationResponse>(`/api/uif/population${queryString({ ...q })}`),
  encoders: () => fetchJson<EncodersResponse>("/api/uif/encoders"),
  fusions: () => fetchJson<FusionConfigsResponse>("/api/uif/fusion"),
};

/** The download link of the features export (GET /api/uif/export streams the file). */
export function exportHref(r: ExportRequest): string {
  const users = (r.users ?? []).map((u) => u.trim()).filter(Boolean);
  return `/api/uif/export${queryString({
    asOf: r.asOf,
    format: r.format,
    users: users.length ? users.join(",") : undefined,
    encoder: r.encoder,
    fusion: r.fusion,
  })}`;
}
