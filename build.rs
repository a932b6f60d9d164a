//! Tells the tests whether a PostgreSQL server was configured when they were built, so that without one
//! the PostgreSQL half shows as `ignored` (not as a passing test that checked nothing).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(kiosque_pg)");
    println!("cargo::rerun-if-env-changed=KIOSQUE_TEST_POSTGRES_URL");
    if std::env::var_os("KIOSQUE_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=kiosque_pg");
    }
}
