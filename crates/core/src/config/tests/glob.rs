//! Globs: `*`, `?` and `[...]`, nothing else.

use super::*;

#[track_caller]
fn glob(p: &str) -> Glob {
    Glob::new(p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn stars_and_question_marks() {
    let g = glob("train-*");
    assert!(g.matches("train-") && g.matches("train-resnet") && g.matches("train-a/b"));
    assert!(!g.matches("train") && !g.matches("pretrain-a"));
    assert!(glob("*").matches("") && glob("*").matches("a/b/c"));
    assert!(glob("*-exporter").matches("node-exporter") && !glob("*-exporter").matches("exporter"));
    assert!(glob("*/templates/train-*.yaml").matches("chart/templates/train-job.yaml"));
    assert!(glob("*/templates/train-*.yaml").matches("chart/charts/sub/templates/train-x.yaml"));
    assert!(!glob("*/templates/train-*.yaml").matches("chart/templates/serve.yaml"));
    let g = glob("a?c");
    assert!(g.matches("abc") && g.matches("a/c") && g.matches("aéc"));
    assert!(!g.matches("ac") && !g.matches("abbc"));
    assert!(glob("").matches("") && !glob("").matches("a"));
    assert!(glob("a**b").matches("ab") && glob("a**b").matches("axxb"));
    // Everything else is itself.
    assert!(glob("a.b+c(d)|{e}\\").matches("a.b+c(d)|{e}\\"));
    assert!(!glob("a.b").matches("axb"));
}

#[test]
fn sets() {
    let g = glob("worker-[0-9]");
    assert!(g.matches("worker-0") && g.matches("worker-9") && !g.matches("worker-a"));
    assert!(!g.matches("worker-10"));
    for negated in ["[!0-9]", "[^0-9]"] {
        let g = glob(negated);
        assert!(
            g.matches("a") && g.matches("-") && !g.matches("5"),
            "{negated}"
        );
    }
    let g = glob("[a-cx]");
    assert!(g.matches("b") && g.matches("x") && !g.matches("d"));
    // `]` first is a member; `-` first or last is a member.
    assert!(glob("[]a]").matches("]") && glob("[]a]").matches("a"));
    assert!(glob("[!]]").matches("a") && !glob("[!]]").matches("]"));
    assert!(glob("[a-]").matches("-") && glob("[-a]").matches("-"));
    // No escapes: a set holds a special character.
    assert!(glob("[*]").matches("*") && !glob("[*]").matches("a"));
    assert!(glob("[[]x").matches("[x"));
    assert!(glob("[?]").matches("?") && !glob("[?]").matches("a"));
}

#[test]
fn unclosed_sets_and_backwards_ranges_are_not_globs() {
    assert_eq!(Glob::new("train-[ab"), Err(GlobError::Unclosed(6)));
    assert_eq!(Glob::new("["), Err(GlobError::Unclosed(0)));
    assert_eq!(Glob::new("[]"), Err(GlobError::Unclosed(0)));
    assert_eq!(Glob::new("[!]"), Err(GlobError::Unclosed(0)));
    assert_eq!(Glob::new("é[a"), Err(GlobError::Unclosed(1)));
    assert_eq!(Glob::new("[z-a]"), Err(GlobError::Backwards('z', 'a')));
    assert_eq!(
        GlobError::Unclosed(6).to_string(),
        "the `[` at character 7 is not closed"
    );
}

/// The matcher agrees with a plain recursive one on every pattern of up to four pieces and
/// every text of up to five characters over a small alphabet.
#[test]
fn agrees_with_a_recursive_matcher() {
    #[derive(Clone, Copy)]
    enum P {
        C(char),
        One,
        Any,
        Set(&'static str, bool),
    }
    fn reference(p: &[P], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((P::Any, rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
            Some((one, rest)) => t.split_first().is_some_and(|(c, tail)| {
                let ok = match one {
                    P::C(x) => x == c,
                    P::One => true,
                    P::Set(members, negated) => members.contains(*c) != *negated,
                    P::Any => unreachable!(),
                };
                ok && reference(rest, tail)
            }),
        }
    }
    let pieces = [
        ("a", P::C('a')),
        ("b", P::C('b')),
        ("?", P::One),
        ("*", P::Any),
        ("[ab]", P::Set("ab", false)),
        ("[!a]", P::Set("a", true)),
    ];
    let mut patterns: Vec<(String, Vec<P>)> = vec![(String::new(), Vec::new())];
    for _ in 0..4 {
        let mut longer = Vec::new();
        for (text, p) in &patterns {
            for (piece, q) in &pieces {
                let mut p = p.clone();
                p.push(*q);
                longer.push((format!("{text}{piece}"), p));
            }
        }
        patterns.extend(longer);
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        patterns.dedup_by(|a, b| a.0 == b.0);
    }
    let mut texts: Vec<String> = vec![String::new()];
    for _ in 0..5 {
        let longer: Vec<String> = texts
            .iter()
            .flat_map(|t| ['a', 'b', 'c'].map(|c| format!("{t}{c}")))
            .collect();
        texts.extend(longer);
        texts.sort();
        texts.dedup();
    }
    for (text, p) in &patterns {
        let g = glob(text);
        for t in &texts {
            let chars: Vec<char> = t.chars().collect();
            assert_eq!(g.matches(t), reference(p, &chars), "{text} on {t:?}");
        }
    }
}

#[test]
fn many_stars_stay_fast() {
    let g = glob("*a*a*a*a*a*a*a*b");
    let text = "a".repeat(10_000);
    let started = std::time::Instant::now();
    assert!(!g.matches(&text));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
