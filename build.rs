//! Tells the tests whether a PostgreSQL server was configured when they were built, so that without one
//! the PostgreSQL half shows as `ignored` (not as a passing test that checked nothing), and rebuilds
//! when a migration changes.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(kiosque_pg)");
    println!("cargo::rerun-if-env-changed=KIOSQUE_TEST_POSTGRES_URL");
    // The migrations are embedded in the binary: a new one (or its metadata.toml) must rebuild it.
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("KIOSQUE_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=kiosque_pg");
    }
}
