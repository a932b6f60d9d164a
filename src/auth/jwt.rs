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

/// The signing and verifying keys, built once.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], ttl: Duration) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
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
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("signing a token")))
    }

    /// Verifies a token: signature, algorithm, issuer, audience, expiry and kind.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
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
