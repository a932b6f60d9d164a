// Compiled by .ci/typescript under `tsc --strict` against the client types openapi-typescript
// generates from openapi/openapi.json: a front end's first lines, which must keep compiling.
import type { paths, components } from "./kiosque";

type Article = components["schemas"]["Article"];
type ArticleList = paths["/v1/articles"]["get"]["responses"][200]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];
type Query = NonNullable<paths["/v1/articles"]["get"]["parameters"]["query"]>;

export const front: Query = { per_page: 20, sort: "-published_at", fields: "id,slug,title,excerpt" };

export function titles(page: ArticleList): string[] {
  // With `fields`, items are partial: every field is optional on the `ArticleFields` side.
  return page.data.map((a) => a.title ?? "");
}

export const canonical = (a: Article): string => a.url;
export const next = (page: ArticleList): string | null | undefined => page.meta.next_cursor;
export const explain = (p: Problem): string => `${p.status} ${p.title}: ${p.detail}`;
