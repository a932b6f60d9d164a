//! The French text analyser shared by indexing and search.
//!
//! One analyser turns article text into index terms AND turns search queries into the same terms,
//! on SQLite (FTS5) and PostgreSQL (tsvector) alike: both databases index the space-separated,
//! ASCII `[a-z0-9]` terms of [`index_text`], so both answer the same.
//!
//! Pipeline for each word:
//! 1. Unicode-aware splitting: letters and digits (`char::is_alphanumeric`) form words, combining
//!    accents (decomposed input such as `e\u{301}`) stay inside their word; everything else —
//!    spaces, punctuation, hyphens, apostrophes (' ’ ‘ ʼ ′), guillemets (« » “ ”), dashes, emoji —
//!    separates words.
//! 2. Elisions: a word among l d qu j n s c m t jusqu lorsqu puisqu quoiqu directly followed by an
//!    apostrophe is dropped, and takes no position ("l’armée" -> "armée", "jusqu’à" -> "à").
//!    "aujourd’hui" is kept as one word, "aujourdhui".
//! 3. Lower-casing and accent folding with deunicode ("É" -> "e", "œ" -> "oe", "æ" -> "ae",
//!    "ß" -> "ss"); characters deunicode knows nothing of are dropped, so terms are pure ASCII.
//! 4. Stop words (and single letters) dropped, but they still advance the position.
//!    Words longer than 40 characters are dropped too (and advance the position).
//! 5. Pure digits kept as they are ("2024"); other words stemmed with the French Snowball stemmer.
//!
//! # Why fold THEN stem (and not stem then fold)
//!
//! The Snowball French stemmer treats accented letters specially ("é"/"è" endings, "ée", "ité"…),
//! so stemming the accented word and folding the stem afterwards does NOT give the same term for
//! the accented and the accent-free spelling of many common words:
//!
//! | word          | stem, then fold | fold, then stem |
//! |---------------|-----------------|-----------------|
//! | sécurité      | secur           | securit         |
//! | securite      | securit         | securit         |
//! | activités     | activ           | activit         |
//! | journée       | journ           | journe          |
//! | journee       | journe          | journe          |
//! | électricité   | electr          | electricit      |
//! | première      | premi           | premier         |
//!
//! (A check over ~80 accented/unaccented pairs of news words found 10 such mismatches with
//! stem-then-fold, none with fold-then-stem.) Folding first makes both spellings the same string
//! before the stemmer sees them, so they ALWAYS give the same term — what a reader typing without
//! accents on a phone needs. It is also what PostgreSQL's usual `unaccent` + `french_stem` setup
//! does. Words such as "coopération"/"cooperation" (-> "cooper"), "élections"/"elections"/
//! "élection" (-> "elect") and "armée"/"armees" (-> "arme") agree either way.
//!
//! Examples:
//! - "Coopération militaire : des soldats" -> `cooper militair soldat`
//! - "L’armée burkinabè" -> `arme burkinab`
//! - "jusqu’à Ouagadougou" -> `ouagadougou`
//! - "aujourd’hui" -> `aujourdhui`
//! - "Le FESPACO 2024 et la ZLECAf" -> `fespaco 2024 zlecaf`

use crate::domain::text::slug::is_combining_mark;
use std::collections::HashSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

/// One analysed token: the normalised stem and its position (0-based index among kept tokens,
/// counting stop words as positions too so phrase distances survive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    pub position: u32,
}

/// Words longer than this (in folded ASCII characters) are not indexed.
const MAX_TOKEN_CHARS: usize = 40;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));

/// Elided particles (folded), dropped when directly followed by an apostrophe.
const ELISIONS: &[&str] = &[
    "l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// French stop words, lower-case and accent-folded (so "où" is "ou", "été" is "ete"), separated by
/// white space; lines starting with '#' are comments.
/// Single letters are stop words too (see [`is_stop_word`]). "or" (gold) and "car" (coach) are
/// deliberately absent: they are real words in news text.
const STOP_WORDS: &str = "
    # articles, prepositions
    le la les un une des du de au aux en dans sur pour par avec sans sous vers chez entre depuis
    pendant selon parmi apres avant lors
    # conjunctions, adverbs
    et ou mais donc ni si comme quand alors ainsi aussi puis tres plus moins deja encore non ne pas
    tout tous toute toutes autre autres meme memes y
    # pronouns, determiners
    ce cet cette ces ceci cela ca celui celle ceux celles il elle ils elles on nous vous je tu me
    te se moi toi lui eux ma mon mes ta ton tes sa son ses notre nos votre vos leur leurs qui que
    quoi dont quel quelle quels quelles lequel laquelle lesquels lesquelles qu jusqu lorsqu puisqu
    quoiqu
    # etre
    etre ete etee etees etes etant etante etants etantes suis es est sommes sont serai seras sera
    serons serez seront serais serait serions seriez seraient etais etait etions etiez etaient fus
    fut fumes futes furent sois soit soyons soyez soient fusse fusses fussions fussiez fussent
    # avoir
    avoir ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons
    aurez auront aurais aurait aurions auriez auraient avais avait avions aviez avaient eut eumes
    eutes eurent aie aies ait ayons ayez aient eusse eusses eussions eussiez eussent
";

static STOP_SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    STOP_WORDS
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect()
});

/// Analyses French (or mixed) text for indexing and search:
/// - Unicode-aware word splitting: letters and digits form words; hyphens and apostrophes split words
///   (straight ' and typographic ’ ‘ ʼ ′, and guillemets « » “ ” are separators),
/// - elisions removed: a leading l', d', qu', j', n', s', c', m', t', jusqu', lorsqu', puisqu', quoiqu'
///   (either apostrophe) is dropped ("l’armée" -> "armée", "qu’il" -> "il", "jusqu'à" -> "à");
///   an elided particle takes no position,
/// - lower-cased and accent-folded with deunicode, THEN French Snowball stemming (fold first: see
///   the module documentation for why), œ->oe, æ->ae,
/// - French stop words (and single letters) dropped, but they still advance `position`,
/// - tokens of pure digits kept as is ("2024"), tokens longer than 40 chars dropped (advancing
///   `position`).
pub fn analyze(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position: u32 = 0;
    let mut words = Words::new(text);
    while let Some(mut word) = words.next() {
        if word.apostrophe_after && ELISIONS.contains(&word.folded.as_str()) {
            continue;
        }
        if word.apostrophe_after && word.folded == "aujourd" && words.peek_folded() == Some("hui") {
            words.next();
            word.folded.push_str("hui");
        }
        if let Some(term) = term_of(&word.folded) {
            tokens.push(Token { term, position });
        }
        position = position.saturating_add(1);
    }
    tokens
}

/// The terms only, in order (for building an index document): `analyze(text)` terms joined by one space.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    for token in analyze(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token.term);
    }
    out
}

/// The terms of `text` that are names: written with a capital inside a sentence, and never in lower
/// case in the text ("Ouagadougou", "FESPACO", "Kouri Air"; not "Le" opening a sentence, not "Santé"
/// in a title when the text also says "santé"). Sorted, each once.
pub fn proper_names(text: &str) -> Vec<String> {
    let mut capitalised = HashSet::new();
    let mut lower = HashSet::new();
    // An elided particle opening a sentence ("L’Office …") passes the opening on.
    let mut opening = false;
    for word in Words::new(text) {
        let starts = word.sentence_start || opening;
        opening = false;
        if word.apostrophe_after && ELISIONS.contains(&word.folded.as_str()) {
            opening = starts;
            continue;
        }
        let Some(term) = term_of(&word.folded) else {
            continue;
        };
        if !word.capitalised {
            lower.insert(term);
        } else if !starts {
            capitalised.insert(term);
        }
    }
    let mut names: Vec<String> = capitalised.difference(&lower).cloned().collect();
    names.sort_unstable();
    names
}

/// The analysed form of ONE query word (for prefix search "soldat*" and for exact terms), None when it is a stop word
/// or has no letters/digits. Elisions handled ("l'armée" -> Some("arme")).
///
/// Should `word` hold several words (e.g. "Porto-Novo"), the first kept term is returned: callers
/// split queries into words themselves.
pub fn analyze_word(word: &str) -> Option<String> {
    analyze(word).into_iter().next().map(|t| t.term)
}

/// For prefix search: the folded, lower-cased, elision-stripped form of a partial word WITHOUT stemming
/// ("Coopér" -> "cooper"), so that it can be matched as a prefix of indexed stems when the stem is shorter, and
/// callers can also stem it. None for empty (or nothing but an elided particle, or longer than any
/// indexed term). Stop words are NOT removed: "les" may be the start of "lesotho".
pub fn fold_prefix(word: &str) -> Option<String> {
    let mut words = Words::new(word);
    while let Some(mut w) = words.next() {
        if w.apostrophe_after && ELISIONS.contains(&w.folded.as_str()) {
            continue;
        }
        if w.apostrophe_after && w.folded == "aujourd" && words.peek_folded() == Some("hui") {
            w.folded.push_str("hui");
        }
        return (w.folded.len() <= MAX_TOKEN_CHARS).then_some(w.folded);
    }
    None
}

/// True for a French stop word (after lower-casing and folding), single letters included.
pub fn is_stop_word(word: &str) -> bool {
    let mut folded = String::with_capacity(word.len());
    fold_into(word, &mut folded);
    is_folded_stop_word(&folded)
}

fn is_folded_stop_word(folded: &str) -> bool {
    let b = folded.as_bytes();
    (b.len() == 1 && b[0].is_ascii_lowercase()) || STOP_SET.contains(folded)
}

/// The index term of one folded word, None when the word is not indexed.
/// The term a folded word (from [`fold_prefix`]) is indexed as: its stem, or `None` for a stop word.
/// A term keeps its word's first letter (the stemmer removes endings only, after the first two
/// letters, and undoes its own marks): see the test over every word of the corpora.
pub fn term_of_folded(folded: &str) -> Option<String> {
    term_of(folded)
}

fn term_of(folded: &str) -> Option<String> {
    if folded.is_empty() || folded.len() > MAX_TOKEN_CHARS || is_folded_stop_word(folded) {
        return None;
    }
    if folded.bytes().all(|b| b.is_ascii_digit()) {
        return Some(folded.to_owned());
    }
    let stem = STEMMER.stem(folded);
    if stem.is_empty() {
        Some(folded.to_owned())
    } else {
        Some(stem.into_owned())
    }
}

/// Appends the lower-cased, accent-folded ASCII letters and digits of `word` to `out`.
fn fold_into(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
        } else if is_combining_mark(c) {
            // Decomposed accent: folded away with its letter.
        } else if let Some(folded) = deunicode::deunicode_char(c) {
            out.extend(
                folded
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|f| f.to_ascii_lowercase()),
            );
        }
    }
}

/// Characters that make up words: letters, digits and combining accents, but not the
/// apostrophes (the modifier letter ʼ counts as a letter for Unicode).
fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() || is_combining_mark(c)) && !is_apostrophe(c)
}

/// Apostrophes marking an elision: straight, typographic (’ ‘), modifier letter ʼ and prime ′.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}')
}

/// One word of the input, folded.
struct Word {
    /// Lower-case, accent-folded ASCII letters and digits (may be empty for unknown scripts).
    folded: String,
    /// The character right after the word is an apostrophe.
    apostrophe_after: bool,
    /// The word starts with a capital letter.
    capitalised: bool,
    /// The word opens the text, a sentence, a line, a quotation or a bracketed kicker.
    sentence_start: bool,
}

/// Splits text into folded words; words folding to nothing are skipped.
struct Words<'a> {
    rest: &'a str,
    peeked: Option<Option<Word>>,
    started: bool,
}

/// Characters after which a capital says nothing about the word (it may open a sentence).
fn opens_sentence(c: char) -> bool {
    matches!(
        c,
        '.' | '!'
            | '?'
            | ':'
            | ';'
            | '\n'
            | '«'
            | '»'
            | '"'
            | '“'
            | '”'
            | '['
            | ']'
            | '…'
            | '—'
            | '–'
    )
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Words {
            rest: text,
            peeked: None,
            started: false,
        }
    }

    fn scan(&mut self) -> Option<Word> {
        let mut sentence_start = !self.started;
        loop {
            let start = self.rest.find(is_word_char)?;
            sentence_start |= self.rest[..start].contains(opens_sentence);
            let after_start = &self.rest[start..];
            let len = after_start
                .find(|c: char| !is_word_char(c))
                .unwrap_or(after_start.len());
            let raw = &after_start[..len];
            let tail = &after_start[len..];
            let apostrophe_after = tail.chars().next().is_some_and(is_apostrophe);
            self.rest = tail;
            let mut folded = String::with_capacity(raw.len());
            fold_into(raw, &mut folded);
            if !folded.is_empty() {
                self.started = true;
                return Some(Word {
                    folded,
                    apostrophe_after,
                    capitalised: raw.chars().next().is_some_and(char::is_uppercase),
                    sentence_start,
                });
            }
        }
    }

    fn peek_folded(&mut self) -> Option<&str> {
        if self.peeked.is_none() {
            let next = self.scan();
            self.peeked = Some(next);
        }
        self.peeked
            .as_ref()
            .and_then(|w| w.as_ref())
            .map(|w| w.folded.as_str())
    }
}

impl Iterator for Words<'_> {
    type Item = Word;

    fn next(&mut self) -> Option<Word> {
        match self.peeked.take() {
            Some(peeked) => peeked,
            None => self.scan(),
        }
    }
}

/// A paragraph of French news prose, repeated to time the analyser (`kiosque bench`).
pub const BENCH_PARAGRAPH: &str =
    "Coopération militaire : des soldats burkinabè formés à Ouagadougou \
    jusqu’à l’été 2024 — « Nous sommes prêts », a déclaré aujourd’hui le ministre. ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_keeps_its_words_first_letter_in_every_word_of_the_corpora() {
        // Snippets skip stemming words whose first letter starts no term of the query.
        let root = env!("CARGO_MANIFEST_DIR");
        let mut texts =
            vec![std::fs::read_to_string(format!("{root}/src/seed/demo_fr.json")).unwrap()];
        for entry in std::fs::read_dir(format!("{root}/tests/corpus")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                texts.push(std::fs::read_to_string(path).unwrap());
            }
        }
        let mut checked = 0;
        for text in &texts {
            for word in text
                .split(|c: char| !is_word_char(c))
                .filter(|w| !w.is_empty())
            {
                let Some(folded) = fold_prefix(word) else {
                    continue;
                };
                if let Some(term) = term_of_folded(&folded) {
                    assert_eq!(term.as_bytes()[0], folded.as_bytes()[0], "{word} -> {term}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 40_000, "{checked}");
    }

    fn terms(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.term).collect()
    }

    fn tok(term: &str, position: u32) -> Token {
        Token {
            term: term.to_owned(),
            position,
        }
    }

    #[test]
    fn singular_and_plural_agree() {
        assert_eq!(terms("soldat"), terms("soldats"));
        assert_eq!(terms("soldat"), vec!["soldat"]);
        assert_eq!(terms("militaire"), terms("militaires"));
        assert_eq!(terms("Étalon"), terms("étalons"));
    }

    #[test]
    fn accented_and_unaccented_agree() {
        assert_eq!(
            terms("Coopération militaire"),
            terms("cooperation militaire")
        );
        assert_eq!(terms("Coopération militaire"), vec!["cooper", "militair"]);
        let e = terms("élections");
        assert_eq!(e, terms("elections"));
        assert_eq!(e, terms("élection"));
        assert_eq!(e, terms("ÉLECTIONS"));
        assert_eq!(e, vec!["elect"]);
        // Words where stemming before folding would disagree (see the module docs).
        for (a, b) in [
            ("sécurité", "securite"),
            ("activités", "activites"),
            ("journée", "journee"),
            ("électricité", "electricite"),
            ("première", "premiere"),
            ("égalité", "egalite"),
            ("arrivée", "arrivee"),
            ("musée", "musee"),
            ("Président", "president"),
            ("Société", "societe"),
            ("ministère", "ministere"),
            ("réformes", "reformes"),
            ("hôpitaux", "hopitaux"),
            ("développement", "developpement"),
        ] {
            assert_eq!(terms(a), terms(b), "{a} vs {b}");
            assert_eq!(terms(a).len(), 1, "{a}");
        }
    }

    #[test]
    fn armee_with_elisions_and_case() {
        let expected = vec![tok("arme", 0)];
        for input in [
            "armée",
            "l'armée",
            "l’armée",
            "L’ARMÉE",
            "l‘armée",
            "lʼarmée",
            "armee",
        ] {
            assert_eq!(analyze(input), expected, "{input}");
        }
        assert_eq!(terms("armées"), vec!["arme"]);
    }

    #[test]
    fn names_are_capitalised_inside_sentences_only() {
        let text = "Aéroport de Ouagadougou : le trafic repart. Les compagnies de Bobo-Dioulasso \
                    suivent, selon l’Office national. « Nos clients » disent-ils.\nSanté : la santé d’abord";
        assert_eq!(
            proper_names(text),
            vec!["bobo", "dioulasso", "offic", "ouagadougou"]
        );
        // A sentence's first word, a quotation's, a line's and a kicker's say nothing, nor one after
        // an elided particle opening a sentence.
        assert!(
            proper_names("[Tribune] Routes. Marchés ! « Prix »\nDouane. L’Office ferme").is_empty()
        );
        assert_eq!(proper_names("Il voit l’Office."), vec!["offic"]);
    }

    #[test]
    fn elisions() {
        assert_eq!(analyze("qu’il"), vec![]);
        assert_eq!(analyze("d'Ouagadougou"), vec![tok("ouagadougou", 0)]);
        assert_eq!(
            analyze("lorsqu’un soldat s’engage"),
            vec![tok("soldat", 1), tok("engag", 2)]
        );
        assert_eq!(
            analyze("puisqu'elle quoiqu'elle"),
            analyze("puisqu’elle quoiqu’elle")
        );
        assert_eq!(terms("n’a pas c’est m’a t’a j’ai"), Vec::<String>::new());
        // "l" not followed by an apostrophe is a single letter: a stop word taking a position.
        assert_eq!(analyze("l armée"), vec![tok("arme", 1)]);
        // An apostrophe after a normal word is just a separator.
        assert_eq!(terms("'soldats'"), vec!["soldat"]);
    }

    #[test]
    fn stop_words_dropped() {
        let t = terms("Les Étalons du Burkina");
        assert!(!t.contains(&"les".to_owned()));
        assert!(!t.contains(&"du".to_owned()));
        assert_eq!(t, vec!["etalon", "burkin"]);
        assert_eq!(
            analyze("Les Étalons du Burkina"),
            vec![tok("etalon", 1), tok("burkin", 3)]
        );
    }

    #[test]
    fn jusqu_a() {
        assert_eq!(analyze("jusqu’à Ouagadougou"), vec![tok("ouagadougou", 1)]);
        assert_eq!(terms("jusqu'à Ouagadougou"), vec!["ouagadougou"]);
    }

    #[test]
    fn aujourdhui_is_one_word() {
        // "aujourd’hui" is one word: its two halves are joined, "aujourdhui", one position.
        assert_eq!(analyze("aujourd’hui"), vec![tok("aujourdhui", 0)]);
        assert_eq!(terms("Aujourd'hui"), vec!["aujourdhui"]);
        assert_eq!(
            analyze("aujourd’hui à Bobo"),
            vec![tok("aujourdhui", 0), tok("bobo", 2)]
        );
        assert_eq!(analyze_word("aujourd'hui"), Some("aujourdhui".to_owned()));
        assert_eq!(fold_prefix("Aujourd’hui"), Some("aujourdhui".to_owned()));
    }

    #[test]
    fn positions_count_stop_words() {
        assert_eq!(
            analyze("la coopération militaire"),
            vec![tok("cooper", 1), tok("militair", 2)]
        );
        assert_eq!(
            analyze("Le président de la Transition"),
            vec![tok("president", 1), tok("transit", 4)]
        );
    }

    #[test]
    fn punctuation_guillemets_dashes_emoji_numbers() {
        assert_eq!(
            terms("« Nous sommes prêts » — a déclaré le capitaine… 🎉🇧🇫 !"),
            vec!["pret", "declar", "capitain"]
        );
        assert_eq!(terms("“FESPACO” 2024"), vec!["fespaco", "2024"]);
        assert_eq!(terms("la ZLECAf"), vec!["zlecaf"]);
        assert_eq!(
            terms("Étalons : 2-1 face au Mali !"),
            vec!["etalon", "2", "1", "fac", "mal"]
        );
        assert_eq!(
            terms("10 000 FCFA, 3,5 %"),
            vec!["10", "000", "fcfa", "3", "5"]
        );
        assert_eq!(terms("Porto-Novo"), vec!["porto", "novo"]);
        assert_eq!(terms("covid-19"), vec!["covid", "19"]);
        assert_eq!(terms("—  … !!! 🎉"), Vec::<String>::new());
        assert_eq!(terms(""), Vec::<String>::new());
        // Emoji separate words but take no position.
        assert_eq!(
            analyze("soldats🎉militaires"),
            vec![tok("soldat", 0), tok("militair", 1)]
        );
    }

    #[test]
    fn ligatures_and_decomposed_accents() {
        assert_eq!(terms("cœur"), terms("coeur"));
        assert_eq!(terms("Œuvre"), vec!["oeuvr"]);
        assert_eq!(terms("ex æquo"), vec!["ex", "aequo"]);
        // "Créé" typed with combining accents (NFD) is one word and folds like the NFC form.
        assert_eq!(
            terms("Cre\u{301}e\u{301} l'arme\u{301}e"),
            terms("Créé l’armée")
        );
    }

    #[test]
    fn long_tokens_dropped() {
        let long = "a".repeat(41);
        assert_eq!(
            analyze(&format!("soldat {long} militaire")),
            vec![tok("soldat", 0), tok("militair", 2)]
        );
        let forty = "b".repeat(40);
        assert_eq!(terms(&forty).len(), 1);
    }

    #[test]
    fn output_is_ascii_terms() {
        let text = "Ouagadougou, capitale du Burkina Faso — « Ça ira » disait l’élève. Straße, Øresund, Łódź, İstanbul, 北京, Москва.";
        for t in analyze(text) {
            assert!(!t.term.is_empty());
            assert!(
                t.term
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{t:?}"
            );
        }
        assert_eq!(terms("Москва"), terms("moskva"));
    }

    #[test]
    fn index_text_on_a_sentence() {
        assert_eq!(
            index_text(
                "Coopération militaire : des soldats burkinabè formés à Ouagadougou en 2024."
            ),
            "cooper militair soldat burkinab form ouagadougou 2024"
        );
        assert_eq!(
            index_text("L’armée et le FESPACO, aujourd’hui."),
            "arme fespaco aujourdhui"
        );
        assert_eq!(index_text("les de la"), "");
    }

    #[test]
    fn analyze_word_cases() {
        assert_eq!(analyze_word("les"), None);
        assert_eq!(analyze_word("Où"), None);
        assert_eq!(analyze_word("x"), None);
        assert_eq!(analyze_word("—"), None);
        assert_eq!(analyze_word(""), None);
        assert_eq!(analyze_word("Soldats"), analyze_word("soldat"));
        assert_eq!(analyze_word("Soldats"), Some("soldat".to_owned()));
        assert_eq!(analyze_word("l'armée"), Some("arme".to_owned()));
        assert_eq!(analyze_word("l’ARMÉE"), analyze_word("armee"));
        assert_eq!(analyze_word("soldat*"), Some("soldat".to_owned()));
        assert_eq!(analyze_word("2024"), Some("2024".to_owned()));
        assert_eq!(analyze_word("qu’il"), None);
    }

    #[test]
    fn fold_prefix_cases() {
        assert_eq!(fold_prefix("Coopér"), Some("cooper".to_owned()));
        assert_eq!(fold_prefix("l’arm"), Some("arm".to_owned()));
        assert_eq!(fold_prefix("ÉLECT"), Some("elect".to_owned()));
        assert_eq!(fold_prefix("Œuv"), Some("oeuv".to_owned()));
        assert_eq!(fold_prefix("les"), Some("les".to_owned()));
        assert_eq!(fold_prefix(""), None);
        assert_eq!(fold_prefix("  "), None);
        assert_eq!(fold_prefix("l'"), None);
        assert_eq!(fold_prefix("*"), None);
        // The prefix of a word matches (as a prefix) the stem of the full word when longer...
        let stem = analyze_word("coopération").unwrap();
        assert!(fold_prefix("coop").is_some_and(|p| stem.starts_with(&p)));
        // ...and the stem is a prefix of the folded prefix when the stem is shorter.
        assert!(fold_prefix("Coopérat").is_some_and(|p| p.starts_with(&stem)));
    }

    #[test]
    fn stop_word_predicate() {
        for w in [
            "le", "LES", "Où", "été", "être", "à", "A", "x", "qu", "dont", "leurs",
        ] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["soldat", "armée", "or", "Burkina", "2024", "", "5"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }

    #[test]
    fn stop_list_is_folded() {
        assert!(STOP_SET.len() > 150);
        for w in STOP_SET.iter() {
            assert!(w.bytes().all(|b| b.is_ascii_lowercase()), "{w}");
            assert!(is_stop_word(w));
            assert_eq!(analyze_word(w), None, "{w}");
        }
    }

    /// A long text is analysed whole (its speed is a line of `kiosque bench`, not a timed test).
    #[test]
    fn a_mebibyte_of_french_is_analysed_whole() {
        let text = BENCH_PARAGRAPH.repeat(1 + (1 << 20) / BENCH_PARAGRAPH.len());
        let tokens = analyze(&text);
        let per_paragraph = analyze(BENCH_PARAGRAPH).len();
        assert!(per_paragraph > 10);
        assert_eq!(
            tokens.len(),
            per_paragraph * (1 + (1 << 20) / BENCH_PARAGRAPH.len())
        );
    }
}
