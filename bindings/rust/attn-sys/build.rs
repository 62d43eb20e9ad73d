//! Links libattn: from `ATTN_LIB_DIR` when set, else through pkg-config.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=ATTN_LIB_DIR");
    if let Some(dir) = env::var_os("ATTN_LIB_DIR") {
        println!("cargo:rustc-link-search=native={}", Path::new(&dir).display());
        println!("cargo:rustc-link-lib=dylib=attn");
        return;
    }
    if let Err(err) = pkg_config::Config::new().atleast_version("0.1.0").probe("attn") {
        panic!(
            "libattn not found by pkg-config: {err}\n\
             Add the install's lib/pkgconfig to PKG_CONFIG_PATH, \
             or set ATTN_LIB_DIR to the folder holding libattn.so."
        );
    }
}
