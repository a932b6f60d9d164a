//! The string values of a PHP-serialised array, as themes keep their post settings in one meta
//! value (the Newspaper theme's `td_post_theme_settings`:
//! `a:2:{s:9:"td_source";s:3:"AIB";s:11:"td_subtitle";s:4:"Chapô";}`).

/// The `key → value` pairs whose value is a string or a number, at any depth, in order. A value
/// that is not a serialised array gives nothing; a damaged one gives what was read before the damage.
pub fn string_pairs(s: &str) -> Vec<(String, String)> {
    let mut p = Parser {
        s: s.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    p.array(&mut out);
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

enum Value {
    Scalar(String),
    Array,
}

impl Parser<'_> {
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.s.get(self.i) == Some(&b)).then(|| self.i += 1)
    }
    fn until(&mut self, b: u8) -> Option<&[u8]> {
        let start = self.i;
        let len = self.s[start..].iter().position(|&c| c == b)?;
        self.i = start + len + 1;
        Some(&self.s[start..start + len])
    }
    fn number(&mut self, end: u8) -> Option<usize> {
        std::str::from_utf8(self.until(end)?).ok()?.parse().ok()
    }
    /// `a:N:{key value …}`; pairs with a scalar value go to `out`.
    fn array(&mut self, out: &mut Vec<(String, String)>) -> Option<()> {
        self.eat(b'a')?;
        self.eat(b':')?;
        let n = self.number(b':')?;
        self.eat(b'{')?;
        for _ in 0..n {
            let key = match self.value(out)? {
                Value::Scalar(k) => k,
                Value::Array => return None,
            };
            if let Value::Scalar(v) = self.value(out)? {
                out.push((key, v));
            }
        }
        self.eat(b'}')
    }
    fn value(&mut self, out: &mut Vec<(String, String)>) -> Option<Value> {
        let kind = *self.s.get(self.i)?;
        if kind == b'a' {
            self.array(out)?;
            return Some(Value::Array);
        }
        if kind == b'N' {
            self.i += 1;
            self.eat(b';')?;
            return Some(Value::Scalar(String::new()));
        }
        self.i += 1;
        self.eat(b':')?;
        match kind {
            b's' => {
                // The length is in bytes, so that quotes inside the string need no escaping.
                let len = self.number(b':')?;
                self.eat(b'"')?;
                let bytes = self.s.get(self.i..self.i + len)?;
                self.i += len;
                self.eat(b'"')?;
                self.eat(b';')?;
                Some(Value::Scalar(String::from_utf8_lossy(bytes).into_owned()))
            }
            b'i' | b'd' | b'b' => {
                let v = self.until(b';')?;
                Some(Value::Scalar(String::from_utf8_lossy(v).into_owned()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_settings_are_read() {
        let s = r#"a:3:{s:9:"td_source";s:3:"AIB";s:11:"td_subtitle";s:17:"Le chapô "cité"";s:4:"list";a:1:{i:0;s:1:"x";}}"#;
        assert_eq!(
            string_pairs(s),
            [
                ("td_source".to_string(), "AIB".to_string()),
                ("td_subtitle".into(), "Le chapô \"cité\"".into()),
                ("0".into(), "x".into()),
            ]
        );
        assert!(string_pairs("AIB").is_empty());
        assert_eq!(
            string_pairs(r#"a:2:{s:9:"td_source";s:3:"AIB";s:3:"bad"#),
            [("td_source".to_string(), "AIB".to_string())]
        );
    }
}
