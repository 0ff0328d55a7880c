//! The small registry of known sites and actors, with their aliases (DESIGN §3).
//!
//! Facts keep names exactly as reported; the registry says that "Ain al-Asad" and
//! "Al-Asad Airbase" are one site and that Kata'ib Hezbollah sits under the
//! "Islamic Resistance in Iraq" umbrella. Keys given in facts must exist here, so a
//! typo in a site or actor key is caught on append. Adding an entry is a code
//! change on purpose: the registry is shared vocabulary, reviewed like code.

/// A known site.
#[derive(Debug)]
pub struct Site {
    /// The key used in facts.
    pub key: &'static str,
    /// A readable name.
    pub name: &'static str,
    /// ISO 3166-1 alpha-2 country code.
    pub country: &'static str,
    /// Spellings seen in sources.
    pub aliases: &'static [&'static str],
}

/// A known actor.
#[derive(Debug)]
pub struct Actor {
    /// The key used in facts.
    pub key: &'static str,
    /// A readable name.
    pub name: &'static str,
    /// The umbrella group this actor belongs to, if any.
    pub umbrella: Option<&'static str>,
    /// Spellings seen in sources.
    pub aliases: &'static [&'static str],
}

const SITES: &[Site] = &[
    Site {
        key: "ain-al-asad",
        name: "Ain al-Asad Air Base",
        country: "IQ",
        aliases: &[
            "Al-Asad Airbase",
            "al-Asad air base",
            "Al Asad Airbase",
            "Ain al Assad Airbase",
            "Ain al-Asad air base",
            "al-Asad military base",
        ],
    },
    Site {
        key: "al-harir",
        name: "Al-Harir Air Base",
        country: "IQ",
        aliases: &["al-Harir air base", "al-Harir airbase", "Al-Harir Air Base"],
    },
    Site {
        key: "mosul-dam",
        name: "Mosul Dam",
        country: "IQ",
        aliases: &["Mosul Dam"],
    },
    Site {
        key: "camp-victory",
        name: "Camp Victory",
        country: "IQ",
        aliases: &["Camp Victory", "Baghdad International Airport"],
    },
    Site {
        key: "al-tanf",
        name: "Al-Tanf Garrison",
        country: "SY",
        aliases: &["al-Tanf garrison", "al-Tanf", "Al-Tanf Garrison"],
    },
    Site {
        key: "al-omar",
        name: "Al-Omar oil field",
        country: "SY",
        aliases: &["Al-Omar field", "al-Omar oil field", "al-Omar"],
    },
    Site {
        key: "al-shaddadi",
        name: "Al-Shaddadi",
        country: "SY",
        aliases: &["al-Shaddadi", "Al-Shaddadi"],
    },
    Site {
        key: "hemo",
        name: "Hemo base",
        country: "SY",
        aliases: &["Hemo base"],
    },
    Site {
        key: "tal-baidar",
        name: "Tal Baidar base",
        country: "SY",
        aliases: &["Tal Baidar base"],
    },
    Site {
        key: "kharab-al-jir",
        name: "Kharab al-Jir base",
        country: "SY",
        aliases: &["Kharab al-Jir base", "Kharab al-Jir"],
    },
    Site {
        key: "rumalyn",
        name: "Rumalyn Landing Zone",
        country: "SY",
        aliases: &["Rumalyn Landing Zone"],
    },
    Site {
        key: "tower-22",
        name: "Tower 22",
        country: "JO",
        aliases: &["Tower 22"],
    },
    Site {
        key: "al-udeid",
        name: "Al-Udeid Air Base",
        country: "QA",
        aliases: &["al-Udeid Air Base", "Al-Udeid"],
    },
];

const ACTORS: &[Actor] = &[
    Actor {
        key: "islamic-resistance-in-iraq",
        name: "Islamic Resistance in Iraq",
        umbrella: None,
        aliases: &[
            "Islamic Resistance in Iraq",
            "Islamic Resistance of Iraq",
            "Islamic Resistance In Iraq",
            "IRI",
        ],
    },
    Actor {
        key: "kataib-hezbollah",
        name: "Kata'ib Hezbollah",
        umbrella: Some("islamic-resistance-in-iraq"),
        aliases: &[
            "Kata'ib Hezbollah",
            "Kataib Hezbollah",
            "Kataib Hezbollah -Militia",
        ],
    },
    Actor {
        key: "harakat-al-nujaba",
        name: "Harakat al-Nujaba",
        umbrella: Some("islamic-resistance-in-iraq"),
        aliases: &[
            "Harakat Al-Nujaba",
            "Harakat al Nujaba",
            "Nujaba Movement",
            "al-Nujaba",
        ],
    },
    Actor {
        key: "tashkil-al-waritheen",
        name: "Tashkil al-Waritheen",
        umbrella: Some("islamic-resistance-in-iraq"),
        aliases: &["Tashkil al-Waritheen"],
    },
    Actor {
        key: "popular-mobilization-forces",
        name: "Popular Mobilization Forces",
        umbrella: None,
        aliases: &[
            "Popular Mobilization Forces",
            "Popular Mobilization Units",
            "PMF",
            "PMU",
        ],
    },
    Actor {
        key: "liwa-fatemiyoun",
        name: "Liwa Fatemiyoun",
        umbrella: None,
        aliases: &["Fatemiyoun Brigade", "Afghan Fatemiyoun Brigade"],
    },
    Actor {
        key: "irgc",
        name: "Islamic Revolutionary Guard Corps",
        umbrella: None,
        aliases: &["Islamic Revolutionary Guards Corps", "IRGC"],
    },
    Actor {
        key: "us-military",
        name: "United States military",
        umbrella: None,
        aliases: &["United States", "US", "U.S. forces", "US forces", "USAF"],
    },
    Actor {
        key: "us-dod",
        name: "US Department of Defense",
        umbrella: None,
        aliases: &[
            "Department of Defense",
            "Pentagon",
            "US Department of Defense",
        ],
    },
    Actor {
        key: "centcom",
        name: "US Central Command",
        umbrella: None,
        aliases: &["U.S. Central Command", "Central Command", "CENTCOM"],
    },
    Actor {
        key: "us-led-coalition",
        name: "US-led coalition",
        umbrella: None,
        aliases: &["US-led coalition", "international anti-ISIS coalition"],
    },
    Actor {
        key: "sdf",
        name: "Syrian Democratic Forces",
        umbrella: None,
        aliases: &["Syrian Democratic Forces", "SDF"],
    },
    Actor {
        key: "sohr",
        name: "Syrian Observatory for Human Rights",
        umbrella: None,
        aliases: &[
            "Syrian Observatory for Human Rights",
            "Syrian Observatory of Human Rights",
            "SOHR",
        ],
    },
    Actor {
        key: "iraq-government",
        name: "Government of Iraq",
        umbrella: None,
        aliases: &["Iraqi government", "Iraqi authorities"],
    },
    Actor {
        key: "kurdistan-regional-government",
        name: "Kurdistan Regional Government",
        umbrella: None,
        aliases: &["government of northern Iraq's semi-autonomous Kurdish region"],
    },
];

/// The site with this key.
pub fn site(key: &str) -> Option<&'static Site> {
    SITES.iter().find(|s| s.key == key)
}

/// The actor with this key.
pub fn actor(key: &str) -> Option<&'static Actor> {
    ACTORS.iter().find(|a| a.key == key)
}

/// Every site key, for error messages.
pub fn site_keys() -> impl Iterator<Item = &'static str> {
    SITES.iter().map(|s| s.key)
}

/// Every actor key, for error messages.
pub fn actor_keys() -> impl Iterator<Item = &'static str> {
    ACTORS.iter().map(|a| a.key)
}

/// The site a reported name refers to, ignoring case.
pub fn site_by_name(name: &str) -> Option<&'static Site> {
    SITES.iter().find(|s| {
        s.name.eq_ignore_ascii_case(name) || s.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// The actor a reported name refers to, ignoring case.
pub fn actor_by_name(name: &str) -> Option<&'static Actor> {
    ACTORS.iter().find(|a| {
        a.name.eq_ignore_ascii_case(name) || a.aliases.iter().any(|x| x.eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_to_one_site_and_umbrellas_are_known() {
        let a = site_by_name("Ain al Assad Airbase").unwrap();
        let b = site_by_name("al-asad air base").unwrap();
        assert_eq!(a.key, b.key);
        let kh = actor_by_name("Kataib Hezbollah").unwrap();
        assert_eq!(kh.umbrella, Some("islamic-resistance-in-iraq"));
        for a in ACTORS {
            if let Some(u) = a.umbrella {
                assert!(actor(u).is_some(), "{} names unknown umbrella {u}", a.key);
            }
        }
        for s in SITES {
            assert_eq!(site(s.key).map(|x| x.key), Some(s.key));
        }
    }
}
