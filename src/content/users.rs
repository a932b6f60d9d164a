//! The account commands: create and validate staff accounts (shared by `POST /v1/users`, the CLI's
//! `user create` and the demo seed).

use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{Checks, KeyRef, Patch};
use crate::auth::password;
use crate::db::models::UserRow;
use crate::db::{authors, users as q, write_tx, AnyConnection};
use crate::domain::Role;
use crate::error::ApiError;

/// User input (POST: `email`, `password`, `role` required; PATCH: merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub email: Patch<String>,
    /// At least 12 characters; on creation, or to change it.
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub password: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Role, required = false)]
    pub role: Patch<Role>,
    /// Author id or slug, or null.
    #[serde(default)]
    #[schema(value_type = Option<KeyRef>)]
    pub author: Patch<KeyRef>,
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub disabled: Patch<bool>,
}

/// An address as the OpenAPI pattern describes it: one `@`, something before it, a domain with a dot
/// that neither starts nor ends it, no white space or control character, at most 254 characters.
fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.chars().count() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Validates input over the current account (none on creation); hashes a new password.
fn prepare(
    conn: &mut AnyConnection,
    input: UserInput,
    cur: Option<UserRow>,
) -> Result<UserRow, ApiError> {
    let mut c = Checks::default();
    let now = crate::db::now();
    let email = input.email.required("email", &mut c.0);
    let pw = input.password.required("password", &mut c.0);
    let role = input.role.required("role", &mut c.0);
    let disabled = input.disabled.required("disabled", &mut c.0);
    if let Some(e) = &email {
        if !valid_email(e) {
            c.fail("email", "invalid", "an e-mail address");
        }
    }
    if let Some(p) = &pw {
        if !(12..=1024).contains(&p.chars().count()) {
            c.fail("password", "weak", "a password is 12 to 1024 characters");
        }
    }
    let author_id = match input.author {
        Patch::Absent => cur.as_ref().and_then(|u| u.author_id),
        Patch::Null => None,
        Patch::Value(k) => match authors::find(conn, &k.key())? {
            Some(a) => Some(a.id),
            None => {
                c.fail("author", "unknown", "no author has this id or slug");
                None
            }
        },
    };
    let mut u = match cur {
        Some(u) => u,
        None => {
            for (f, missing) in [
                ("email", email.is_none()),
                ("password", pw.is_none()),
                ("role", role.is_none()),
            ] {
                if missing {
                    c.fail(f, "required", format!("{f} is required"));
                }
            }
            UserRow {
                id: 0,
                email: String::new(),
                password_hash: String::new(),
                role: String::new(),
                author_id: None,
                disabled: false,
                created_at: now,
                updated_at: now,
                session_generation: 0,
            }
        }
    };
    c.finish()?;
    if let Some(e) = email {
        u.email = e.trim().to_lowercase();
    }
    if let Some(p) = pw {
        u.password_hash = password::hash(&p)?;
    }
    if let Some(r) = role {
        u.role = r.as_str().into();
    }
    if let Some(d) = disabled {
        u.disabled = d;
    }
    u.author_id = author_id;
    Ok(u)
}

/// Creates an account (shared with `kiosque user create` and the start-up admin).
pub fn create(conn: &mut AnyConnection, input: UserInput) -> Result<i64, ApiError> {
    let u = prepare(conn, input, None)?;
    if q::find_by_email(conn, &u.email)?.is_some() {
        return Err(ApiError::conflict("an account with this e-mail exists"));
    }
    Ok(q::insert(
        conn,
        &u.email,
        &u.password_hash,
        &u.role,
        u.author_id,
        crate::db::now(),
    )?)
}

/// `kiosque user create`: validates like `POST /v1/users`.
pub fn create_from_cli(
    db: &crate::db::Db,
    email: &str,
    role: &str,
    author: Option<&str>,
    password: &str,
) -> anyhow::Result<i64> {
    let role = Role::parse(role)
        .ok_or_else(|| anyhow::anyhow!("--role must be contributor, author, editor or admin"))?;
    let input = UserInput {
        email: Patch::Value(email.to_owned()),
        password: Patch::Value(password.to_owned()),
        role: Patch::Value(role),
        author: author
            .map(|a| Patch::Value(KeyRef::Slug(a.to_owned())))
            .unwrap_or_default(),
        ..UserInput::default()
    };
    let mut conn = db.get()?;
    write_tx(&mut conn, |conn| create(conn, input)).map_err(|e| anyhow::anyhow!("{}", e.detail))
}

/// Applies a merge patch to an account, as the admin `by`: not their own demotion or disabling (409),
/// not another account's e-mail (409); a new password, another role or disabling ends every open
/// session; each of those changes is audited. Returns the account as stored.
pub fn update(
    conn: &mut AnyConnection,
    by: i64,
    id: i64,
    input: UserInput,
) -> Result<UserRow, ApiError> {
    let cur = q::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let old_email = cur.email.clone();
    let (old_hash, old_role, was_disabled) =
        (cur.password_hash.clone(), cur.role.clone(), cur.disabled);
    let u = prepare(conn, input, Some(cur))?;
    if u.id == by && (u.disabled || u.role != "admin") {
        return Err(ApiError::conflict(
            "an admin cannot disable or demote their own account",
        ));
    }
    if u.email != old_email && q::find_by_email(conn, &u.email)?.is_some() {
        return Err(ApiError::conflict("an account with this e-mail exists"));
    }
    let now = crate::db::now();
    q::update(conn, &u, now)?;
    // A new password, another role or a disabled account ends every open session.
    if u.password_hash != old_hash || u.role != old_role || (u.disabled && !was_disabled) {
        crate::db::sessions::revoke_user(conn, u.id, now)?;
    }
    let target = format!("user:{}", u.id);
    if u.role != old_role {
        crate::db::audit::record(
            conn,
            Some(by),
            "user.role_change",
            &target,
            serde_json::json!({"from": old_role, "to": u.role}),
        )?;
    }
    if u.disabled != was_disabled {
        crate::db::audit::record(
            conn,
            Some(by),
            "user.disable",
            &target,
            serde_json::json!({"disabled": u.disabled}),
        )?;
    }
    if u.password_hash != old_hash {
        crate::db::audit::record(
            conn,
            Some(by),
            "user.password_change",
            &target,
            serde_json::json!({}),
        )?;
    }
    Ok(u)
}

/// Deletes an account, as the admin `by` (never their own: 409), audited; 404 for an unknown one.
pub fn delete(conn: &mut AnyConnection, by: i64, id: i64) -> Result<(), ApiError> {
    if id == by {
        return Err(ApiError::conflict(
            "an admin cannot delete their own account",
        ));
    }
    if q::delete(conn, id)? == 0 {
        return Err(ApiError::not_found("user"));
    }
    crate::db::audit::record(
        conn,
        Some(by),
        "user.delete",
        &format!("user:{id}"),
        serde_json::json!({}),
    )?;
    Ok(())
}
