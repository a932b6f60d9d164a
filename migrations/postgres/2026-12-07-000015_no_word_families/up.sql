-- Related articles no longer count word families (the first four letters of a stem, marked with
-- '~'): each term is weighted by the evidence that it tells a topic instead. Their document
-- frequencies, which nothing reads or updates any more, go.
DELETE FROM search_terms WHERE term LIKE '~%';
