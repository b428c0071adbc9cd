//! GitHub's names, checked as GitHub checks them.

/// `OWNER/NAME` split in two when both are names GitHub accepts: 1 to 100
/// letters, digits, `-`, `_` and `.`, and not only dots (`.` and `..` are
/// no repository).
pub fn split_repository(full: &str) -> Option<(&str, &str)> {
    let (owner, name) = full.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && !s.chars().all(|c| c == '.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (ok(owner) && ok(name)).then_some((owner, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_github_takes_them() {
        assert_eq!(
            split_repository("Metta-AI/metta"),
            Some(("Metta-AI", "metta"))
        );
        assert_eq!(split_repository("o/r.js"), Some(("o", "r.js")));
        for bad in ["metta", "a/b/c", "a/b c", "/r", "o/", "./.", "o/..", ""] {
            assert_eq!(split_repository(bad), None, "{bad}");
        }
        assert!(split_repository(&format!("o/{}", "x".repeat(101))).is_none());
    }
}
