//! Run configuration read from a TOML file: SLA targets, the FCR repeat-contact window,
//! CLV lifespan and costs. Every setting has a documented default, so no file is needed.
//!
//! ```toml
//! [fcr]
//! window_days = 7
//!
//! [clv]
//! lifespan_years = 3.0
//!
//! [cost]
//! total = 125000.0          # total support cost over the analysed period
//!
//! [[sla]]                   # most specific match wins: channel+severity > channel > severity > any
//! channel = "chat"          # a channel name as the data accepts it (`e-mail` too)
//! first_response = "2m"
//! resolution = "4h"
//!
//! [[sla]]
//! channel = "email"
//! severity = "urgent"
//! first_response = "30m"
//! resolution = "8h"
//!
//! [[sla]]                   # a target left out is the channel's built-in one
//! channel = "sms"
//! first_response = "5m"
//!
//! [cx]
//! alert_action_window = "24h"  # an SMS alert counts as acted on if the customer acts within this
//! long_silence = "30s"         # phone: a gap between turns longer than this is a long silence
//!
//! [effort]                     # customer effort index weights (see `metrics::cx_facts`)
//! wait = 1.0
//! rephrase = 1.0
//! repetition = 1.0
//! handoff = 1.0
//! failure = 1.0
//! negative_shift = 1.0
//! count_saturation = 3         # this many rephrases/repetitions/hand-offs count as maximal effort
//! wait_saturation = 4.0        # total wait of this many first-response SLA targets is maximal
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::error::Error;
use crate::model::Channel;

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// First-contact-resolution settings.
    pub fcr: FcrConfig,
    /// Customer-lifetime-value settings.
    pub clv: ClvConfig,
    /// Cost settings (cost to serve).
    pub cost: CostConfig,
    /// SLA targets; the built-in per-channel defaults apply where none matches.
    pub sla: Vec<SlaTarget>,
    /// Customer-experience metric settings.
    pub cx: CxConfig,
    /// Customer effort index weights.
    pub effort: EffortConfig,
    /// Readers of exported formats (e-mail support addresses, chat-log patterns, brands).
    pub readers: crate::ingest::readers::ReadersConfig,
}

/// Customer-experience metric settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CxConfig {
    /// An alert counts as acted on when the customer does something (writes, buys,
    /// accepts, visits) within this long after it. Default `"24h"`.
    pub alert_action_window: DurationSetting,
    /// A gap between two turns of a call longer than this is a long silence. Default `"30s"`.
    pub long_silence: DurationSetting,
}

impl Default for CxConfig {
    fn default() -> Self {
        CxConfig {
            alert_action_window: "24h".into(),
            long_silence: "30s".into(),
        }
    }
}

/// Weights and saturation points of the customer effort index (0–100).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EffortConfig {
    /// Weight of the waiting component. Default 1.
    pub wait: f64,
    /// Weight of the rephrase component. Default 1.
    pub rephrase: f64,
    /// Weight of the repetition component (restatements, repeated identifiers, re-verification). Default 1.
    pub repetition: f64,
    /// Weight of the hand-off component. Default 1.
    pub handoff: f64,
    /// Weight of the failed-solution component. Default 1.
    pub failure: f64,
    /// Weight of the negative sentiment shift component. Default 1.
    pub negative_shift: f64,
    /// Count at which the rephrase, repetition and hand-off components reach 1. Default 3.
    pub count_saturation: u32,
    /// Total customer wait, in multiples of the channel's first-response SLA target, at
    /// which the wait component reaches 1. Default 4.
    pub wait_saturation: f64,
}

impl Default for EffortConfig {
    fn default() -> Self {
        EffortConfig {
            wait: 1.0,
            rephrase: 1.0,
            repetition: 1.0,
            handoff: 1.0,
            failure: 1.0,
            negative_shift: 1.0,
            count_saturation: 3,
            wait_saturation: 4.0,
        }
    }
}

impl EffortConfig {
    /// The weights in component order: wait, rephrase, repetition, hand-off, failure, negative shift.
    pub fn weights(&self) -> [f64; 6] {
        [
            self.wait,
            self.rephrase,
            self.repetition,
            self.handoff,
            self.failure,
            self.negative_shift,
        ]
    }
}

/// First contact resolution.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FcrConfig {
    /// A new contact by the same customer within this many days after a resolution
    /// means the first contact did not resolve the issue. Default 7.
    pub window_days: f64,
}

/// Customer lifetime value.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ClvConfig {
    /// Expected customer lifespan in years. Default 3.
    pub lifespan_years: f64,
}

/// Support cost.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CostConfig {
    /// Total support cost over the analysed period; cost to serve is `null` without it.
    pub total: Option<f64>,
}

/// One SLA target rule.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// Channel it applies to (any when absent); any name [`Channel::parse`] accepts.
    #[serde(default, deserialize_with = "channel_name")]
    pub channel: Option<Channel>,
    /// Severity it applies to (any when absent; compared case-insensitively).
    pub severity: Option<String>,
    /// Target for the first human response, e.g. `"2m"`, `"4h"`, `"1d"`; the channel's
    /// built-in target when absent.
    pub first_response: Option<DurationSetting>,
    /// Target for resolution; the channel's built-in target when absent.
    pub resolution: Option<DurationSetting>,
}

/// A channel written as the data may write it (`email`, `e-mail`, `Mail`, `forum`…).
fn channel_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Channel>, D::Error> {
    let name = String::deserialize(d)?;
    Channel::parse(&name).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown channel {name:?}: one of chat, email, sms, social, community, phone"
        ))
    })
}

/// A duration setting as written (`"15m"`) and in milliseconds, parsed once when the
/// configuration is read, so the metrics never parse text per conversation.
///
/// Text that is not a duration is kept (with no milliseconds) so that validation can name
/// the setting it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationSetting {
    text: String,
    ms: Option<i64>,
}

impl DurationSetting {
    /// Parses `text` with [`parse_duration`].
    pub fn new(text: impl Into<String>) -> DurationSetting {
        let text = text.into();
        let ms = parse_duration(&text);
        DurationSetting { text, ms }
    }

    /// The setting as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Milliseconds, `None` when the text is not a duration.
    pub fn ms(&self) -> Option<i64> {
        self.ms
    }
}

impl From<&str> for DurationSetting {
    fn from(text: &str) -> DurationSetting {
        DurationSetting::new(text)
    }
}

impl<'de> Deserialize<'de> for DurationSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DurationSetting, D::Error> {
        String::deserialize(d).map(DurationSetting::new)
    }
}

/// Resolved SLA targets for one conversation, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaMillis {
    /// First response target.
    pub first_response: i64,
    /// Resolution target.
    pub resolution: i64,
}

impl Default for FcrConfig {
    fn default() -> Self {
        FcrConfig { window_days: 7.0 }
    }
}

impl Default for ClvConfig {
    fn default() -> Self {
        ClvConfig {
            lifespan_years: 3.0,
        }
    }
}

/// Built-in targets per channel: (first response, resolution).
pub fn default_sla(channel: Channel) -> SlaMillis {
    const M: i64 = 60_000;
    const H: i64 = 60 * M;
    let (first_response, resolution) = match channel {
        Channel::Chat => (2 * M, 4 * H),
        Channel::Phone => (3 * M, 4 * H),
        Channel::Sms => (15 * M, 24 * H),
        Channel::Social => (H, 24 * H),
        Channel::Email => (4 * H, 48 * H),
        Channel::Community => (24 * H, 7 * 24 * H),
    };
    SlaMillis {
        first_response,
        resolution,
    }
}

/// Parses `"90s"`, `"15m"`, `"4h"`, `"2d"` (a bare number means seconds) into milliseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let v: f64 = num.trim().parse().ok()?;
    let scale = match unit {
        "ms" => 1.0,
        "s" => 1e3,
        "m" | "min" => 60e3,
        "h" => 3600e3,
        "d" => 86_400e3,
        _ => return None,
    };
    (v.is_finite() && v >= 0.0).then(|| (v * scale).round() as i64)
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text).map_err(|message| Error::Config {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if self.fcr.window_days.is_nan() || self.fcr.window_days < 0.0 {
            return Err("fcr.window_days must be ≥ 0".into());
        }
        if self.clv.lifespan_years.is_nan() || self.clv.lifespan_years <= 0.0 {
            return Err("clv.lifespan_years must be > 0".into());
        }
        self.validate_cx()?;
        self.readers.validate()?;
        for (i, t) in self.sla.iter().enumerate() {
            for (name, v) in [
                ("first_response", &t.first_response),
                ("resolution", &t.resolution),
            ] {
                let Some(v) = v else { continue };
                if v.ms().is_none() {
                    return Err(format!(
                        "sla[{i}].{name}: {:?} is not a duration like 15m, 4h, 2d",
                        v.text()
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_cx(&self) -> Result<(), String> {
        for (name, v) in [
            ("cx.alert_action_window", &self.cx.alert_action_window),
            ("cx.long_silence", &self.cx.long_silence),
        ] {
            if v.ms().is_none() {
                return Err(format!(
                    "{name}: {:?} is not a duration like 30s, 15m, 24h",
                    v.text()
                ));
            }
        }
        let weights = self.effort.weights();
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err("effort weights must be finite and ≥ 0".into());
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err("effort weights must not all be 0".into());
        }
        if self.effort.count_saturation == 0 {
            return Err("effort.count_saturation must be ≥ 1".into());
        }
        if !self.effort.wait_saturation.is_finite() || self.effort.wait_saturation <= 0.0 {
            return Err("effort.wait_saturation must be > 0".into());
        }
        Ok(())
    }

    /// SMS alert action window in milliseconds.
    pub fn alert_action_window_ms(&self) -> i64 {
        self.cx.alert_action_window.ms().unwrap_or(86_400_000)
    }

    /// Long-silence threshold in milliseconds.
    pub fn long_silence_ms(&self) -> i64 {
        self.cx.long_silence.ms().unwrap_or(30_000)
    }

    /// FCR repeat window in milliseconds.
    pub fn fcr_window_ms(&self) -> i64 {
        (self.fcr.window_days * 86_400_000.0).round() as i64
    }

    /// The SLA targets for a conversation: the most specific configured rule, else the
    /// built-in default for the channel.
    pub fn sla_for(&self, channel: Channel, severity: Option<&str>) -> SlaMillis {
        let specificity = |t: &SlaTarget| -> Option<u8> {
            let ch = match t.channel {
                Some(c) if c != channel => return None,
                Some(_) => 2,
                None => 0,
            };
            let sev = match (&t.severity, severity) {
                (Some(want), Some(have)) if want.eq_ignore_ascii_case(have) => 1,
                (Some(_), _) => return None,
                (None, _) => 0,
            };
            Some(ch + sev)
        };
        self.sla
            .iter()
            .filter_map(|t| specificity(t).map(|s| (s, t)))
            // First rule wins among equally specific ones.
            .fold(None::<(u8, &SlaTarget)>, |best, (s, t)| match best {
                Some((bs, _)) if bs >= s => best,
                _ => Some((s, t)),
            })
            .map(|(_, t)| {
                let built_in = default_sla(channel);
                let target = |set: &Option<DurationSetting>, default: i64| {
                    set.as_ref().map_or(default, |d| d.ms().unwrap_or(i64::MAX))
                };
                SlaMillis {
                    first_response: target(&t.first_response, built_in.first_response),
                    resolution: target(&t.resolution, built_in.resolution),
                }
            })
            .unwrap_or_else(|| default_sla(channel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(90_000));
        assert_eq!(parse_duration("15m"), Some(900_000));
        assert_eq!(parse_duration("1.5h"), Some(5_400_000));
        assert_eq!(parse_duration("2d"), Some(172_800_000));
        assert_eq!(parse_duration("30"), Some(30_000));
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("-3m"), None);
    }

    #[test]
    fn most_specific_sla_rule_wins() {
        let c = Config::parse(
            r#"
            [[sla]]
            first_response = "1h"
            resolution = "1d"
            [[sla]]
            channel = "email"
            first_response = "2h"
            resolution = "2d"
            [[sla]]
            channel = "email"
            severity = "urgent"
            first_response = "10m"
            resolution = "4h"
            "#,
        )
        .unwrap();
        let urgent = c.sla_for(Channel::Email, Some("URGENT"));
        assert_eq!(
            urgent,
            SlaMillis {
                first_response: 600_000,
                resolution: 14_400_000
            }
        );
        assert_eq!(
            c.sla_for(Channel::Email, Some("low")).first_response,
            7_200_000
        );
        assert_eq!(c.sla_for(Channel::Chat, None).first_response, 3_600_000);
        assert_eq!(
            Config::default().sla_for(Channel::Chat, None),
            default_sla(Channel::Chat)
        );
    }

    #[test]
    fn a_target_left_out_is_the_channels_built_in_one_and_channel_aliases_are_read() {
        let c = Config::parse(
            r#"
            [[sla]]
            channel = "e-mail"
            first_response = "1h"
            [[sla]]
            channel = "SMS"
            resolution = "2h"
            "#,
        )
        .unwrap();
        // E-mail: first response 1 h from the rule, resolution the built-in 48 h.
        assert_eq!(
            c.sla_for(Channel::Email, None),
            SlaMillis {
                first_response: 3_600_000,
                resolution: 172_800_000
            }
        );
        // SMS: the built-in 15 min first response, resolution 2 h from the rule.
        assert_eq!(
            c.sla_for(Channel::Sms, None),
            SlaMillis {
                first_response: 900_000,
                resolution: 7_200_000
            }
        );
        let unknown = Config::parse("[[sla]]\nchannel = \"fax\"\nfirst_response = \"1h\"");
        assert!(unknown.unwrap_err().contains("unknown channel \"fax\""));
    }

    #[test]
    fn cx_and_effort_settings() {
        let d = Config::default();
        assert_eq!(d.alert_action_window_ms(), 86_400_000);
        assert_eq!(d.long_silence_ms(), 30_000);
        assert_eq!(d.effort.weights(), [1.0; 6]);
        let c = Config::parse(
            "[cx]\nalert_action_window = \"2h\"\nlong_silence = \"10s\"\n[effort]\nfailure = 2.5",
        )
        .unwrap();
        assert_eq!(c.alert_action_window_ms(), 7_200_000);
        assert_eq!(c.long_silence_ms(), 10_000);
        assert_eq!(c.effort.failure, 2.5);
        assert_eq!(c.effort.count_saturation, 3);
        assert!(
            Config::parse("[cx]\nlong_silence = \"a while\"")
                .unwrap_err()
                .contains("cx.long_silence")
        );
        assert!(Config::parse("[effort]\nwait = -1").is_err());
        assert!(Config::parse("[effort]\nwait = 0\nrephrase = 0\nrepetition = 0\nhandoff = 0\nfailure = 0\nnegative_shift = 0").is_err());
        assert!(Config::parse("[effort]\ncount_saturation = 0").is_err());
        assert!(Config::parse("[effort]\nspeed = 1").is_err());
    }

    #[test]
    fn invalid_config_is_refused_with_a_reason() {
        assert!(
            Config::parse("[fcr]\nwindow_days = -1")
                .unwrap_err()
                .contains("window_days")
        );
        assert!(Config::parse("[fcr]\nwindow = 3").is_err());
        let bad = "[[sla]]\nfirst_response = \"soon\"\nresolution = \"1d\"";
        assert!(
            Config::parse(bad)
                .unwrap_err()
                .contains("sla[0].first_response")
        );
    }
}
