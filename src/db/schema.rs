//! The one diesel schema shared by SQLite and PostgreSQL (written by hand: both migrations produce it).

diesel::table! {
    rubriques (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    authors (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        name_key -> Text,
        bio -> Text,
        avatar_url -> Nullable<Text>,
        links -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        name_key -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        title_key -> Text,
        kicker -> Nullable<Text>,
        lede -> Nullable<Text>,
        excerpt -> Text,
        excerpt_given -> Bool,
        body -> Text,
        body_format -> Text,
        body_html -> Text,
        body_text -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        sort_at -> Timestamp,
        rubrique_id -> BigInt,
        featured_image -> Nullable<Text>,
        source -> Nullable<Text>,
        location -> Nullable<Text>,
        language -> Text,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        related_enabled -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> BigInt,
        author_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    article_pins (article_id, related_id) {
        article_id -> BigInt,
        related_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        author_id -> Nullable<BigInt>,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        session_generation -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        rate_limit_per_minute -> Integer,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (caller, idem_key) {
        caller -> Text,
        idem_key -> Text,
        method_path -> Text,
        body_hash -> Text,
        status -> Integer,
        response -> Text,
        headers -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        version -> BigInt,
        snapshot -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        action -> Text,
        target -> Text,
        detail -> Text,
    }
}

diesel::table! {
    imported (source, kind, external_id) {
        source -> Text,
        kind -> Text,
        external_id -> Text,
        local_id -> BigInt,
        stamp -> Text,
    }
}

diesel::table! {
    redirects (id) {
        id -> BigInt,
        path -> Text,
        article_id -> Nullable<BigInt>,
        rubrique_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        tag_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    changes (id) {
        id -> BigInt,
        kind -> Text,
        article_id -> BigInt,
        slug -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    scheduled_changes (article_id) {
        article_id -> BigInt,
        kind -> Text,
        due_at -> Timestamp,
    }
}

diesel::table! {
    changes_pruned (id) {
        id -> Integer,
        through -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        active -> Bool,
        failures -> Integer,
        disabled_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        change_id -> BigInt,
        event -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    related_lists (article_id) {
        article_id -> BigInt,
        version -> BigInt,
        cards -> Text,
        computed_at -> Timestamp,
        stale -> Bool,
    }
}

diesel::table! {
    /// One row: the instant up to which `article_counts` counts the published articles.
    count_horizon (id) {
        id -> Integer,
        counted_to -> Timestamp,
    }
}

diesel::joinable!(articles -> rubriques (rubrique_id));
diesel::joinable!(related_lists -> articles (article_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(users -> authors (author_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    rubriques,
    authors,
    tags,
    articles,
    article_authors,
    article_tags,
    article_pins,
    users,
    refresh_tokens,
    api_keys,
    idempotency_keys,
    article_revisions,
    audit_log,
    imported,
    redirects,
    changes,
    scheduled_changes,
    changes_pruned,
    webhooks,
    webhook_deliveries,
    related_lists,
);
