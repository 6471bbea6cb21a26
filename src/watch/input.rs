//! Commands from the learner: single keys in a terminal (without echo, restored on exit),
//! or one command per line when standard input is not a terminal (the JSON-lines mode).

use std::io::{BufRead, Read};
use std::sync::mpsc::Sender;

use super::Input;

/// A key pressed in the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Char(char),
    Up,
    Down,
    Enter,
    Escape,
    Backspace,
    /// Ctrl-C or Ctrl-D.
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Next,
    /// Back to the exercise before the current one.
    Previous,
    Hint,
    List,
    CheckAll,
    Rerun,
    Quit,
    /// Make this exercise the current one (a check follows as its own command).
    SetCurrent(String),
}

impl Command {
    /// A key (`n`) or word (`next`) to a command.
    pub(crate) fn parse(word: &str) -> Option<Command> {
        Some(match word.trim() {
            "n" | "next" => Command::Next,
            "p" | "previous" | "prev" => Command::Previous,
            "h" | "hint" => Command::Hint,
            "l" | "list" => Command::List,
            "c" | "check-all" | "check_all" => Command::CheckAll,
            "r" | "run" | "rerun" => Command::Rerun,
            "q" | "quit" => Command::Quit,
            _ => return None,
        })
    }
}

/// A command of the editor protocol (docs/PROTOCOL.md): `{"cmd":"check","exercise":"http1"}`.
/// `check`, `hint` and `set_current` with an `exercise` move to it first.
pub(crate) fn parse_json(line: &str) -> Result<Vec<Command>, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not a JSON command: {e}"))?;
    let cmd = value["cmd"]
        .as_str()
        .ok_or("a JSON command needs a \"cmd\" string")?;
    let exercise = value["exercise"].as_str().map(String::from);
    let then = match cmd {
        "check" | "run" | "rerun" => Command::Rerun,
        "hint" => Command::Hint,
        "list" => Command::List,
        "check_all" | "check-all" => Command::CheckAll,
        "next" => Command::Next,
        "previous" => Command::Previous,
        "quit" => Command::Quit,
        "set_current" => {
            let name = exercise.ok_or("set_current needs an \"exercise\"")?;
            return Ok(vec![Command::SetCurrent(name), Command::Rerun]);
        }
        other => return Err(format!("unknown command {other:?}")),
    };
    Ok(match exercise {
        Some(name) if then != Command::Quit => vec![Command::SetCurrent(name), then],
        _ => vec![then],
    })
}

/// Reads key presses from a terminal (arrow keys arrive as `ESC [ A`/`B`).
pub(crate) fn read_keys(tx: Sender<Input>) {
    let mut stdin = std::io::stdin().lock();
    let mut byte = [0u8; 1];
    let mut read = || match stdin.read(&mut byte) {
        Ok(1) => Some(byte[0]),
        _ => None,
    };
    while let Some(b) = read() {
        let key = match b {
            3 | 4 => Key::Quit,
            b'\r' | b'\n' => Key::Enter,
            0x7f | 0x08 => Key::Backspace,
            0x1b => match read() {
                Some(b'[') => match read() {
                    Some(b'A') => Key::Up,
                    Some(b'B') => Key::Down,
                    _ => continue,
                },
                Some(other) => {
                    if tx.send(Input::Key(Key::Escape)).is_err() {
                        return;
                    }
                    Key::Char((other as char).to_ascii_lowercase())
                }
                None => Key::Escape,
            },
            b => Key::Char((b as char).to_ascii_lowercase()),
        };
        if tx.send(Input::Key(key)).is_err() {
            return;
        }
    }
}

/// Reads one command per line; an unknown line is reported, end of input quits.
pub(crate) fn read_lines(tx: Sender<Input>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let inputs = if line.trim_start().starts_with('{') {
            match parse_json(&line) {
                Ok(commands) => commands.into_iter().map(Input::Command).collect(),
                Err(problem) => vec![Input::Unknown(format!("{line} ({problem})"))],
            }
        } else {
            match Command::parse(&line) {
                Some(command) => vec![Input::Command(command)],
                None => vec![Input::Unknown(line)],
            }
        };
        for input in inputs {
            if tx.send(input).is_err() {
                return;
            }
        }
    }
    let _ = tx.send(Input::Command(Command::Quit));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_words_map_to_commands() {
        assert_eq!(Command::parse("n"), Some(Command::Next));
        assert_eq!(Command::parse("check-all\n"), Some(Command::CheckAll));
        assert_eq!(Command::parse(" quit "), Some(Command::Quit));
        assert_eq!(Command::parse("x"), None);
    }

    #[test]
    fn json_commands_name_their_exercise() {
        assert_eq!(
            parse_json(r#"{"cmd":"check","exercise":"http1"}"#),
            Ok(vec![Command::SetCurrent("http1".into()), Command::Rerun])
        );
        assert_eq!(
            parse_json(r#"{"cmd":"check_all"}"#),
            Ok(vec![Command::CheckAll])
        );
        assert_eq!(
            parse_json(r#"{"cmd":"set_current","exercise":"x"}"#),
            Ok(vec![Command::SetCurrent("x".into()), Command::Rerun])
        );
        assert!(
            parse_json(r#"{"cmd":"fly"}"#)
                .unwrap_err()
                .contains("unknown command")
        );
        assert!(parse_json(r#"{"cmd":"set_current"}"#).is_err());
        assert!(parse_json("{oops").is_err());
    }
}
