//! Translates its arguments: `cargo run --example translate -- models/dates "3 mars 2021"`.
use attn::{Model, Options, Session};

fn main() -> Result<(), attn::Error> {
    let mut args = std::env::args().skip(1);
    let model = Model::load(args.next().expect("a model folder"), &Options::new())?;
    let mut session = Session::new(&model, &Options::new().set("threads", 1))?;
    let texts: Vec<String> = args.collect();
    let output = session.translate(&texts, &Options::new().set("num_beams", 4))?;
    for (i, text) in texts.iter().enumerate() {
        let best = output.best(i).expect("one hypothesis per input");
        println!("{text} -> {} ({:.3})", best.text.unwrap_or_default(), best.score);
    }
    Ok(())
}
