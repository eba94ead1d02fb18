//! Durations as people type them (`900`, `15m`, `1h`, `1h30m`) and STS's limits on them.

use crate::error::{Error, Result, q};

/// AssumeRole accepts 15 minutes to 12 hours.
pub const ASSUME_ROLE: (u32, u32) = (900, 43_200);
/// GetSessionToken accepts 15 minutes to 36 hours for IAM users.
pub const SESSION_TOKEN: (u32, u32) = (900, 129_600);
/// AWS caps AssumeRole called with session credentials (an MFA session, a role chain) at 1 hour.
pub const CHAINED_MAX: u32 = 3_600;

pub fn parse(text: &str) -> Result<u32> {
    let bad = || {
        Error::new(format!("invalid duration {}", q(text))).hint("use seconds (3600) or units like 15m, 1h, 1h30m, 12h")
    };
    if let Ok(secs) = text.parse::<u32>() {
        return Ok(secs);
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || text.is_empty() {
        return Err(bad());
    }
    u32::try_from(total).map_err(|_| bad())
}

pub fn check(secs: u32, (min, max): (u32, u32), what: &str) -> Result<u32> {
    if (min..=max).contains(&secs) {
        return Ok(secs);
    }
    Err(Error::new(format!("duration {} is out of range for {what}", human(secs))).hint(format!(
        "STS accepts {} to {} ({min}-{max} seconds)",
        human(min),
        human(max)
    )))
}

pub fn human(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("900").unwrap(), 900);
        assert_eq!(parse("15m").unwrap(), 900);
        assert_eq!(parse("1h30m").unwrap(), 5400);
        assert_eq!(parse("12h").unwrap(), 43_200);
        for bad in ["", "h", "1x", "-5", "1.5h", "99999999999999999999h"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks_limits() {
        assert!(check(899, ASSUME_ROLE, "AssumeRole").is_err());
        assert!(check(43_201, ASSUME_ROLE, "AssumeRole").is_err());
        assert_eq!(human(43_200), "12h");
        assert_eq!(human(5400), "1h30m");
    }
}
