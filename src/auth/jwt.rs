//! Access tokens: HS256 JWTs with the algorithm pinned and `iss`, `aud`, `sub`, `exp`, `nbf` required.

use std::time::Duration;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const ISSUER: &str = "kiosque";
pub const AUDIENCE: &str = "kiosque-staff";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The token kind, so another kind of token signed with the same key is never taken for this one.
    pub typ: String,
    /// The account's session generation when the token was issued.
    pub sgen: i64,
}

/// A key that verifies tokens: its id (`kid`), its pinned algorithm, and the key itself.
struct Verifier {
    kid: Option<String>,
    validation: Validation,
    key: DecodingKey,
}

/// The signing and verifying keys, built once. HS256 with a shared secret by default; EdDSA or RS256
/// from key files, with a `kid` in every token and older public keys still accepted, so that keys
/// rotate without logging everyone out.
pub struct JwtKeys {
    algorithm: Algorithm,
    kid: Option<String>,
    encoding: EncodingKey,
    verifiers: Vec<Verifier>,
    pub ttl: Duration,
}

fn validation(alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = 5;
    validation
}

/// A public key in PEM: Ed25519 (EdDSA) or RSA (RS256).
fn public_key(pem: &[u8]) -> Result<(Algorithm, DecodingKey), String> {
    if let Ok(k) = DecodingKey::from_ed_pem(pem) {
        return Ok((Algorithm::EdDSA, k));
    }
    DecodingKey::from_rsa_pem(pem)
        .map(|k| (Algorithm::RS256, k))
        .map_err(|e| format!("not an Ed25519 or RSA public key: {e}"))
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], ttl: Duration) -> JwtKeys {
        JwtKeys {
            algorithm: Algorithm::HS256,
            kid: None,
            encoding: EncodingKey::from_secret(secret),
            verifiers: vec![Verifier {
                kid: None,
                validation: validation(Algorithm::HS256),
                key: DecodingKey::from_secret(secret),
            }],
            ttl,
        }
    }

    /// Keys from PEM files: the private key signs (with `kid`), its public key and `previous`
    /// (`(kid, public PEM)`) verify.
    pub fn from_pem(
        private: &[u8],
        public: &[u8],
        kid: &str,
        previous: &[(String, Vec<u8>)],
        ttl: Duration,
    ) -> Result<JwtKeys, String> {
        let (algorithm, encoding) = match EncodingKey::from_ed_pem(private) {
            Ok(k) => (Algorithm::EdDSA, k),
            Err(_) => (
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(private)
                    .map_err(|e| format!("not an Ed25519 or RSA private key: {e}"))?,
            ),
        };
        let (public_alg, key) = public_key(public)?;
        if public_alg != algorithm {
            return Err("the public key is not of the private key's kind".into());
        }
        let mut verifiers = vec![Verifier {
            kid: Some(kid.to_owned()),
            validation: validation(algorithm),
            key,
        }];
        for (old_kid, pem) in previous {
            let (alg, key) = public_key(pem).map_err(|e| format!("key {old_kid}: {e}"))?;
            verifiers.push(Verifier {
                kid: Some(old_kid.clone()),
                validation: validation(alg),
                key,
            });
        }
        Ok(JwtKeys {
            algorithm,
            kid: Some(kid.to_owned()),
            encoding,
            verifiers,
            ttl,
        })
    }

    /// Issues an access token for a user.
    pub fn issue(&self, user_id: i64, role: &str, generation: i64) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id.to_string(),
            role: role.into(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs() as i64,
            typ: "access".into(),
            sgen: generation,
        };
        let mut header = Header::new(self.algorithm);
        header.kid = self.kid.clone();
        encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("signing a token")))
    }

    /// Verifies a token: the key its `kid` names (the current one without), that key's algorithm
    /// only, then signature, issuer, audience, expiry and kind.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = || ApiError::unauthorized("the access token is invalid");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        let verifier = match &header.kid {
            Some(kid) => self
                .verifiers
                .iter()
                .find(|v| v.kid.as_deref() == Some(kid.as_str())),
            // No kid: the current key.
            None => self.verifiers.first(),
        }
        .ok_or_else(invalid)?;
        let data = decode::<Claims>(token, &verifier.key, &verifier.validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::unauthorized("the access token has expired")
                }
                _ => ApiError::unauthorized("the access token is invalid"),
            }
        })?;
        if data.claims.typ != "access" {
            return Err(ApiError::unauthorized("the access token is invalid"));
        }
        Ok(data.claims)
    }
}
