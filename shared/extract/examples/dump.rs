//! Prints what the extractor makes of each file: `cargo run -p wfm-extract --example dump -- FILE...`
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("readable file");
        match wfm_extract::extract(&path, &bytes, &wfm_extract::Options::default()) {
            Ok(x) => println!(
                "{}",
                serde_json::to_string_pretty(&x).expect("serialisable")
            ),
            Err(e) => println!("{path}: {e}"),
        }
    }
}
