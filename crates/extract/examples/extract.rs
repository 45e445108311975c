//! Prints the findings in a text given as the first argument (or standard input).
use std::io::Read;

fn main() {
    let text = match std::env::args().nth(1) {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).expect("stdin");
            s
        }
    };
    let region = std::env::var("REGION").ok();
    let ex = extract::Extractor::new(
        extract::ExtractOptions { default_region: region },
        extract::WarningLists::default(),
    );
    for f in ex.extract(&text) {
        println!("{}", serde_json::to_string(&f).expect("json"));
    }
}
