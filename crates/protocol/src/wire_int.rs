//! Integers as JSON Schema counts them: `426` and `426.0` are the same integer, so a client
//! built from the published schema may send either. A fraction, or a value out of range,
//! is still refused.

use serde::{Deserialize, Deserializer};

fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i128;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i128, E> {
            Ok(i128::from(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i128, E> {
            Ok(i128::from(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i128, E> {
            // Exactly representable whole numbers only (below 2^53).
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(v as i128)
            } else {
                Err(E::custom("expected a whole number"))
            }
        }
    }
    d.deserialize_any(Whole)
}

fn fit<T: TryFrom<i128>, E: serde::de::Error>(v: i128) -> Result<T, E> {
    T::try_from(v).map_err(|_| E::custom("the number is out of range"))
}

/// `i64`, written with or without `.0`.
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    fit(whole(d)?)
}

/// `u64`, written with or without `.0`.
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    fit(whole(d)?)
}

/// `u32`, written with or without `.0`.
pub fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    fit(whole(d)?)
}

/// `Option<u32>`: absent or null is `None`.
pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "u32")] u32);
    Ok(Option::<W>::deserialize(d)?.map(|W(v)| v))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct T {
        #[serde(deserialize_with = "super::i64")]
        at: i64,
        #[serde(default, deserialize_with = "super::opt_u32")]
        n: Option<u32>,
    }

    #[test]
    fn a_whole_number_reads_with_or_without_a_fraction_part() {
        let t: T = serde_json::from_str(r#"{"at": 426.0, "n": 3.0}"#).unwrap();
        assert_eq!(
            t,
            T {
                at: 426,
                n: Some(3)
            }
        );
        let t: T = serde_json::from_str(r#"{"at": -5}"#).unwrap();
        assert_eq!(t, T { at: -5, n: None });
        let t: T = serde_json::from_str(r#"{"at": 1, "n": null}"#).unwrap();
        assert_eq!(t.n, None);
        for bad in [
            r#"{"at": 1.5}"#,
            r#"{"at": "1"}"#,
            r#"{"at": 1, "n": -1}"#,
            r#"{"at": 1, "n": 4294967296}"#,
            r#"{"at": 1e300}"#,
        ] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
    }
}
