//! Compiles the C shim against the libjpeg headers that mozjpeg-sys exports (`DEP_JPEG_INCLUDE`).

fn main() {
    println!("cargo:rerun-if-changed=src/shim.c");
    let include = std::env::var_os("DEP_JPEG_INCLUDE").expect("mozjpeg-sys exports its include dirs");
    let mut build = cc::Build::new();
    for dir in std::env::split_paths(&include) {
        build.include(dir);
    }
    build.file("src/shim.c").warnings(true).compile("pdq_jpeg_shim");
}
