//! URL slugs from French titles and names, and what counts as a valid one.

/// Longest slug accepted or produced, in characters (slugs are ASCII, so also bytes).
pub const SLUG_MAX: usize = 80;

/// Folds a French title/name into a URL slug: accents folded (deunicode), lowercase ASCII, every run of
/// non-alphanumeric chars becomes one '-', no leading/trailing '-', apostrophes (' and ’) are separators,
/// "œ" -> "oe", at most 80 chars (cut at a '-' boundary when possible, never ending with '-').
/// "Coopération militaire : des soldats" -> "cooperation-militaire-des-soldats"
/// "L’Assemblée législative de transition" -> "l-assemblee-legislative-de-transition"
/// "Étalons : 2-1 face au Mali !" -> "etalons-2-1-face-au-mali"
/// Returns an empty string when nothing alphanumeric is left (e.g. "!!!" or "—").
///
/// Only alphanumeric characters are transliterated; every other character (punctuation, symbols,
/// emoji, dashes, quotes) is a separator, so "—" or "🎉" never turn into words. Combining accents
/// (decomposed input such as "e\u{301}") are dropped without separating. A digits-only result
/// (e.g. from "2024") is not a valid slug (it would clash with numeric ids), so it yields "" too:
/// the output is always either "" or a string accepted by [`is_valid_slug`].
pub fn slugify(input: &str) -> String {
    let mut slug = String::with_capacity(input.len().min(SLUG_MAX * 2));
    // True when a separator was seen since the last pushed alphanumeric char.
    let mut pending_dash = false;
    let push_ascii = |slug: &mut String, b: char, pending_dash: &mut bool| {
        if b.is_ascii_alphanumeric() {
            if *pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            *pending_dash = false;
            slug.push(b.to_ascii_lowercase());
        } else {
            *pending_dash = true;
        }
    };

    for c in input.chars() {
        if c.is_ascii() {
            push_ascii(&mut slug, c, &mut pending_dash);
        } else if is_combining_mark(c) {
            // Decomposed accent: belongs to the previous letter.
        } else if c.is_alphanumeric() {
            match deunicode::deunicode_char(c) {
                Some(folded) => {
                    for f in folded.chars() {
                        push_ascii(&mut slug, f, &mut pending_dash);
                    }
                }
                None => pending_dash = true,
            }
        } else {
            pending_dash = true;
        }
        // Stop early on huge inputs: anything past this cannot be part of the slug.
        if slug.len() > SLUG_MAX {
            break;
        }
    }

    if slug.len() > SLUG_MAX {
        slug = truncate_slug(&slug);
    }
    if slug.bytes().all(|b| b.is_ascii_digit()) {
        return String::new();
    }
    slug
}

/// Cuts an over-long slug (ASCII, no leading/trailing/double '-') to at most [`SLUG_MAX`] chars,
/// at a '-' boundary when possible.
fn truncate_slug(slug: &str) -> String {
    let bytes = slug.as_bytes();
    if bytes.len() <= SLUG_MAX {
        return slug.to_owned();
    }
    let hard = &slug[..SLUG_MAX];
    // The cut already falls on a word boundary.
    if bytes[SLUG_MAX] == b'-' {
        return hard.trim_end_matches('-').to_owned();
    }
    if let Some(pos) = hard.rfind('-') {
        let soft = &hard[..pos];
        // A boundary cut leaving only digits would be an invalid slug: cut mid-word instead.
        if !soft.is_empty() && !soft.bytes().all(|b| b.is_ascii_digit()) {
            return soft.to_owned();
        }
    }
    hard.trim_end_matches('-').to_owned()
}

/// Combining diacritical marks (general category Mn in the usual Latin blocks).
pub(crate) fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// True when `s` is a valid slug: 1..=80 chars of [a-z0-9-], no leading/trailing/double '-', and NOT all digits.
pub fn is_valid_slug(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= SLUG_MAX
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
        && !b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- slugify ---------------------------------------------------------------------------

    #[test]
    fn slugify_french_titles() {
        assert_eq!(
            slugify("Coopération militaire : des soldats"),
            "cooperation-militaire-des-soldats"
        );
        assert_eq!(
            slugify("L’Assemblée législative de transition"),
            "l-assemblee-legislative-de-transition"
        );
        assert_eq!(
            slugify("Étalons : 2-1 face au Mali !"),
            "etalons-2-1-face-au-mali"
        );
        assert_eq!(
            slugify("Fête de la Tabaski 2024"),
            "fete-de-la-tabaski-2024"
        );
        assert_eq!(slugify("Œuvres d’art"), "oeuvres-d-art");
        assert_eq!(slugify("Sœur Emmanuelle"), "soeur-emmanuelle");
        assert_eq!(slugify("L'économie d'abord"), "l-economie-d-abord");
        assert_eq!(slugify("  --Ça   commence__ici--  "), "ca-commence-ici");
        assert_eq!(
            slugify("« Bobo-Dioulasso » — la ville"),
            "bobo-dioulasso-la-ville"
        );
        assert_eq!(slugify("Noël à Ouagadougou 🎉"), "noel-a-ouagadougou");
        assert_eq!(slugify("Mali\u{a0}!"), "mali");
    }

    #[test]
    fn slugify_decomposed_accents() {
        // "Créé" written with combining acute accents (NFD, as typed on some systems).
        assert_eq!(slugify("Cre\u{301}e\u{301} en 1960"), "cree-en-1960");
    }

    #[test]
    fn slugify_nothing_left() {
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify("—"), "");
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("   "), "");
        assert_eq!(slugify("« » … ’"), "");
    }

    #[test]
    fn slugify_digits_only_is_empty() {
        // A digits-only slug would clash with numeric ids and is not valid.
        assert_eq!(slugify("2024"), "");
        assert_eq!(slugify("2024 — 2025"), "2024-2025");
        assert!(is_valid_slug(&slugify("2024 — 2025")));
        assert_eq!(slugify("1er janvier"), "1er-janvier");
    }

    #[test]
    fn slugify_truncates_at_word_boundary() {
        let title = "Le gouvernement de transition annonce une nouvelle série de réformes \
                     institutionnelles majeures pour la refondation de l’État";
        let slug = slugify(title);
        assert!(slug.len() <= 80, "{slug} ({})", slug.len());
        assert!(is_valid_slug(&slug), "{slug}");
        assert_eq!(
            slug,
            "le-gouvernement-de-transition-annonce-une-nouvelle-serie-de-reformes"
        );
        // Exactly 80 chars: untouched.
        let exact = "a".repeat(80);
        assert_eq!(slugify(&exact), exact);
        // Cut falling exactly on a boundary.
        let words = format!("{} {}", "a".repeat(80), "b".repeat(10));
        assert_eq!(slugify(&words), "a".repeat(80));
    }

    #[test]
    fn slugify_truncates_long_word_mid_word() {
        let long = "x".repeat(200);
        assert_eq!(slugify(&long), "x".repeat(80));
        // Boundary cut would leave only digits: cut mid-word instead.
        let s = slugify(&format!("2024 {}", "y".repeat(100)));
        assert_eq!(s.len(), 80);
        assert!(is_valid_slug(&s), "{s}");
        assert!(s.starts_with("2024-yyy"));
    }

    #[test]
    fn slugify_output_is_always_valid_or_empty() {
        let samples = [
            "Coopération militaire : des soldats",
            "Fête de la Tabaski 2024",
            "2024",
            "—",
            "a-b--c",
            "北京 2008",
            "½ finale",
            "Ⅻe édition",
            "Ça va ? Oui !",
        ];
        for s in samples {
            let slug = slugify(s);
            assert!(slug.is_empty() || is_valid_slug(&slug), "{s:?} -> {slug:?}");
        }
    }

    // --- is_valid_slug ---------------------------------------------------------------------

    #[test]
    fn valid_slugs() {
        for s in [
            "cooperation-militaire-des-soldats",
            "etalons-2-1-face-au-mali",
            "a",
            "2024-en-images",
            "fete-de-la-tabaski-2024",
            &"a".repeat(80),
        ] {
            assert!(is_valid_slug(s), "{s}");
        }
    }

    #[test]
    fn invalid_slugs() {
        for s in [
            "",
            "2024",
            "0",
            "-debut",
            "fin-",
            "double--tiret",
            "Majuscule",
            "espace ici",
            "accentué",
            "sous_tiret",
            "point.final",
            "-",
            &"a".repeat(81),
        ] {
            assert!(!is_valid_slug(s), "{s}");
        }
    }
}
