//! The corpus's vocabulary: publishers, places, actors and the phrases reports
//! use, shaped after `fixtures/seeds/`. Sites and actors are registry keys
//! (`src/fact/registry.rs`), so every generated fact passes `Fact::check`.

use crate::fact::SourceType;

/// A publisher that sources are drawn from.
#[derive(Debug)]
pub struct Publisher {
    /// The publisher's name.
    pub name: &'static str,
    /// Key prefix of its sources.
    pub slug: &'static str,
    /// Its type.
    pub kind: SourceType,
    /// Whether it is a party to the conflict.
    pub party: bool,
    /// Web domain, for URLs (`None`: the documents have no URL).
    pub domain: Option<&'static str>,
    /// Bylines it publishes under.
    pub authors: &'static [&'static str],
    /// How often it is chosen, relative to the others.
    pub weight: u32,
}

/// Publishers, roughly in proportion to how often such documents are cited.
pub const PUBLISHERS: &[Publisher] = &[
    Publisher {
        name: "Reuters",
        slug: "reuters",
        kind: SourceType::Wire,
        party: false,
        domain: Some("www.reuters.com"),
        authors: &[
            "Timour Azhari",
            "Idrees Ali",
            "Phil Stewart",
            "Reuters staff",
        ],
        weight: 12,
    },
    Publisher {
        name: "Associated Press",
        slug: "ap",
        kind: SourceType::Wire,
        party: false,
        domain: Some("apnews.com"),
        authors: &[
            "Lolita C. Baldor",
            "Tara Copp",
            "Qassim Abdul-Zahra",
            "Bassem Mroue",
        ],
        weight: 10,
    },
    Publisher {
        name: "Agence France-Presse",
        slug: "afp",
        kind: SourceType::Wire,
        party: false,
        domain: Some("www.france24.com"),
        authors: &["AFP"],
        weight: 6,
    },
    Publisher {
        name: "Antiwar.com",
        slug: "antiwar",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("news.antiwar.com"),
        authors: &["Dave DeCamp", "Kyle Anzalone"],
        weight: 6,
    },
    Publisher {
        name: "SOFREP",
        slug: "sofrep",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("sofrep.com"),
        authors: &["SOFREP News Team"],
        weight: 3,
    },
    Publisher {
        name: "Stars and Stripes",
        slug: "stripes",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("www.stripes.com"),
        authors: &["Chad Garland", "Svetlana Shkolnikova"],
        weight: 5,
    },
    Publisher {
        name: "Military Times",
        slug: "miltimes",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("www.militarytimes.com"),
        authors: &["Leo Shane III", "Military Times staff"],
        weight: 4,
    },
    Publisher {
        name: "Al-Monitor",
        slug: "almonitor",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("www.al-monitor.com"),
        authors: &["Al-Monitor Staff", "Adam Lucente"],
        weight: 4,
    },
    Publisher {
        name: "Rudaw",
        slug: "rudaw",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("www.rudaw.net"),
        authors: &["Rudaw"],
        weight: 4,
    },
    Publisher {
        name: "Shafaq News",
        slug: "shafaq",
        kind: SourceType::NewsSite,
        party: false,
        domain: Some("shafaq.com"),
        authors: &["Shafaq News"],
        weight: 4,
    },
    Publisher {
        name: "Wikipedia",
        slug: "wiki",
        kind: SourceType::Encyclopedia,
        party: false,
        domain: Some("en.wikipedia.org"),
        authors: &[],
        weight: 2,
    },
    Publisher {
        name: "Institute for the Study of War",
        slug: "isw",
        kind: SourceType::ThinkTank,
        party: false,
        domain: Some("www.understandingwar.org"),
        authors: &["ISW Iran Update team"],
        weight: 3,
    },
    Publisher {
        name: "FDD's Long War Journal",
        slug: "lwj",
        kind: SourceType::ThinkTank,
        party: false,
        domain: Some("www.longwarjournal.org"),
        authors: &["Joe Truzman", "Bill Roggio"],
        weight: 2,
    },
    Publisher {
        name: "Syrian Observatory for Human Rights",
        slug: "sohr",
        kind: SourceType::Monitor,
        party: false,
        domain: Some("www.syriahr.com"),
        authors: &[],
        weight: 4,
    },
    Publisher {
        name: "US Central Command",
        slug: "centcom",
        kind: SourceType::Military,
        party: true,
        domain: Some("www.centcom.mil"),
        authors: &["CENTCOM Public Affairs"],
        weight: 4,
    },
    Publisher {
        name: "US Department of Defense",
        slug: "dod",
        kind: SourceType::Government,
        party: true,
        domain: Some("www.defense.gov"),
        authors: &["Pentagon Press Secretary", "DOD News"],
        weight: 3,
    },
    Publisher {
        name: "Islamic Resistance in Iraq (Telegram)",
        slug: "iri-tg",
        kind: SourceType::MilitiaChannel,
        party: true,
        domain: Some("t.me"),
        authors: &[],
        weight: 4,
    },
    Publisher {
        name: "Sabereen News",
        slug: "sabereen",
        kind: SourceType::MilitiaChannel,
        party: true,
        domain: Some("t.me"),
        authors: &[],
        weight: 2,
    },
    Publisher {
        name: "unknown (unattributed news page)",
        slug: "unattr",
        kind: SourceType::Other,
        party: false,
        domain: None,
        authors: &[],
        weight: 2,
    },
];

/// A place attacks land on: a registry site or a place the registry does not know.
#[derive(Debug)]
pub struct Target {
    /// The registry key, for known sites.
    pub site: Option<&'static str>,
    /// The names sources use for it.
    pub names: &'static [&'static str],
    /// ISO country code.
    pub country: &'static str,
    /// Governorate or province.
    pub admin1: &'static str,
    /// Approximate coordinates in micro-degrees (lat, lon).
    pub at: (i32, i32),
    /// How often it is hit, relative to the others.
    pub weight: u32,
}

/// Where attacks on US forces land.
pub const BASES: &[Target] = &[
    Target {
        site: Some("ain-al-asad"),
        names: &[
            "Al-Asad Airbase",
            "Ain al-Asad air base",
            "al-Asad air base in western Iraq",
            "Ain al Assad Airbase",
        ],
        country: "IQ",
        admin1: "Anbar",
        at: (33_785_600, 42_441_200),
        weight: 14,
    },
    Target {
        site: Some("al-harir"),
        names: &[
            "al-Harir air base",
            "Al-Harir Air Base",
            "al-Harir airbase near Erbil",
        ],
        country: "IQ",
        admin1: "Erbil",
        at: (36_535_000, 44_345_000),
        weight: 8,
    },
    Target {
        site: Some("mosul-dam"),
        names: &["Mosul Dam", "a patrol near the Mosul Dam"],
        country: "IQ",
        admin1: "Nineveh",
        at: (36_630_000, 42_823_000),
        weight: 2,
    },
    Target {
        site: Some("camp-victory"),
        names: &["Camp Victory", "Baghdad International Airport"],
        country: "IQ",
        admin1: "Baghdad",
        at: (33_262_000, 44_234_000),
        weight: 5,
    },
    Target {
        site: Some("al-tanf"),
        names: &["al-Tanf garrison", "Al-Tanf Garrison", "the al-Tanf base"],
        country: "SY",
        admin1: "Homs",
        at: (33_497_000, 38_655_000),
        weight: 7,
    },
    Target {
        site: Some("al-omar"),
        names: &[
            "al-Omar oil field",
            "Al-Omar field",
            "the Green Village base at al-Omar",
        ],
        country: "SY",
        admin1: "Deir ez-Zor",
        at: (35_080_000, 40_530_000),
        weight: 8,
    },
    Target {
        site: Some("al-shaddadi"),
        names: &[
            "al-Shaddadi",
            "the US base in Al-Shaddadi, south of Al-Hasakah",
        ],
        country: "SY",
        admin1: "Al-Hasakah",
        at: (36_058_000, 40_730_000),
        weight: 6,
    },
    Target {
        site: Some("hemo"),
        names: &["Hemo base"],
        country: "SY",
        admin1: "Al-Hasakah",
        at: (37_021_000, 41_180_000),
        weight: 2,
    },
    Target {
        site: Some("tal-baidar"),
        names: &["Tal Baidar base"],
        country: "SY",
        admin1: "Al-Hasakah",
        at: (36_700_000, 40_850_000),
        weight: 2,
    },
    Target {
        site: Some("kharab-al-jir"),
        names: &["Kharab al-Jir base", "Kharab al-Jir"],
        country: "SY",
        admin1: "Al-Hasakah",
        at: (36_870_000, 41_960_000),
        weight: 3,
    },
    Target {
        site: Some("rumalyn"),
        names: &["Rumalyn Landing Zone", "a base in Rumalyn"],
        country: "SY",
        admin1: "Al-Hasakah",
        at: (36_910_000, 42_050_000),
        weight: 3,
    },
    Target {
        site: Some("tower-22"),
        names: &["Tower 22", "a US outpost in Jordan near the Syrian border"],
        country: "JO",
        admin1: "Mafraq",
        at: (33_316_000, 38_694_000),
        weight: 1,
    },
    Target {
        site: Some("al-udeid"),
        names: &["al-Udeid Air Base", "Al-Udeid"],
        country: "QA",
        admin1: "Al Rayyan",
        at: (25_117_000, 51_315_000),
        weight: 1,
    },
    Target {
        site: None,
        names: &["a base near Erbil airport", "Erbil International Airport"],
        country: "IQ",
        admin1: "Erbil",
        at: (36_237_000, 43_963_000),
        weight: 3,
    },
    Target {
        site: None,
        names: &["the Conoco gas field", "a base at the Conoco field"],
        country: "SY",
        admin1: "Deir ez-Zor",
        at: (35_350_000, 40_250_000),
        weight: 3,
    },
    Target {
        site: None,
        names: &[
            "a Union III base in Baghdad's Green Zone",
            "the US embassy compound in Baghdad",
        ],
        country: "IQ",
        admin1: "Baghdad",
        at: (33_300_000, 44_390_000),
        weight: 2,
    },
];

/// Where US and coalition strikes land.
pub const STRIKE_TARGETS: &[Target] = &[
    Target {
        site: None,
        names: &[
            "Jurf al-Sakhar",
            "a Kata'ib Hezbollah facility in Jurf al-Nasr",
        ],
        country: "IQ",
        admin1: "Babil",
        at: (32_880_000, 44_120_000),
        weight: 3,
    },
    Target {
        site: None,
        names: &["al-Qaim", "a weapons depot near al-Qaim"],
        country: "IQ",
        admin1: "Anbar",
        at: (34_370_000, 41_090_000),
        weight: 3,
    },
    Target {
        site: None,
        names: &["Abu Kamal", "weapons storage facilities in Abu Kamal"],
        country: "SY",
        admin1: "Deir ez-Zor",
        at: (34_450_000, 40_920_000),
        weight: 3,
    },
    Target {
        site: None,
        names: &["Mayadin", "an IRGC-linked compound near Mayadin"],
        country: "SY",
        admin1: "Deir ez-Zor",
        at: (35_020_000, 40_450_000),
        weight: 2,
    },
    Target {
        site: None,
        names: &[
            "a vehicle in the Mashtal neighbourhood of Baghdad",
            "central Baghdad",
        ],
        country: "IQ",
        admin1: "Baghdad",
        at: (33_330_000, 44_470_000),
        weight: 1,
    },
    Target {
        site: None,
        names: &["Abu Ghraib", "a vehicle near Abu Gharib"],
        country: "IQ",
        admin1: "Baghdad",
        at: (33_290_000, 44_060_000),
        weight: 1,
    },
];

/// Places of other blasts (direction `other`).
pub const OTHER_PLACES: &[Target] = &[
    Target {
        site: None,
        names: &["a PMF base south of Baghdad", "the Kalsu military base"],
        country: "IQ",
        admin1: "Babil",
        at: (32_660_000, 44_280_000),
        weight: 1,
    },
    Target {
        site: None,
        names: &[
            "a PMF weapons depot in Salah al-Din",
            "a warehouse near Tikrit",
        ],
        country: "IQ",
        admin1: "Salah al-Din",
        at: (34_600_000, 43_680_000),
        weight: 1,
    },
];

/// Where attacks are launched from, when a source says.
pub const LAUNCH_SITES: &[(&str, &str, &str)] = &[
    ("Zummar, Iraq", "IQ", "Nineveh"),
    ("a truck near Zummar", "IQ", "Nineveh"),
    ("the western bank of the Euphrates", "SY", "Deir ez-Zor"),
    ("an area near al-Qaim", "IQ", "Anbar"),
    ("the outskirts of Baghdad", "IQ", "Baghdad"),
];

/// An actor and the names sources give it.
#[derive(Debug)]
pub struct Actor {
    /// The registry key (`None`: a name the registry does not tie to an actor).
    pub key: Option<&'static str>,
    /// Names as reported.
    pub names: &'static [&'static str],
}

/// Militias that attack and claim.
pub const MILITIAS: &[Actor] = &[
    Actor {
        key: Some("islamic-resistance-in-iraq"),
        names: &[
            "Islamic Resistance in Iraq",
            "The Islamic Resistance in Iraq",
            "Islamic Resistance of Iraq",
        ],
    },
    Actor {
        key: Some("kataib-hezbollah"),
        names: &["Kata'ib Hezbollah", "Kataib Hezbollah"],
    },
    Actor {
        key: Some("harakat-al-nujaba"),
        names: &["Harakat al-Nujaba", "al-Nujaba"],
    },
    Actor {
        key: Some("tashkil-al-waritheen"),
        names: &["Tashkil al-Waritheen"],
    },
    Actor {
        key: None,
        names: &["Iran-backed militants", "Iran-aligned militias in Iraq"],
    },
];

/// Who strikes back.
pub const STRIKERS: &[Actor] = &[
    Actor {
        key: Some("us-military"),
        names: &["US forces", "the United States military"],
    },
    Actor {
        key: Some("centcom"),
        names: &["US Central Command", "CENTCOM"],
    },
    Actor {
        key: Some("us-led-coalition"),
        names: &[
            "the US-led coalition",
            "a fighter jet from the US-led coalition",
        ],
    },
];

/// Who states figures and makes statements besides the militias.
pub const OFFICIALS: &[Actor] = &[
    Actor {
        key: Some("us-dod"),
        names: &["The Pentagon", "Pentagon spokesperson", "Lloyd Austin"],
    },
    Actor {
        key: Some("centcom"),
        names: &["US Central Command", "Central Command"],
    },
    Actor {
        key: Some("iraq-government"),
        names: &[
            "The Iraqi government",
            "Iraqi Prime Minister Mohammed Shia al-Sudani",
        ],
    },
    Actor {
        key: Some("kurdistan-regional-government"),
        names: &["the Kurdistan Regional Government"],
    },
    Actor {
        key: Some("sdf"),
        names: &["The SDF", "Syrian Democratic Forces"],
    },
    Actor {
        key: Some("sohr"),
        names: &["the Syrian Observatory for Human Rights"],
    },
];

/// Month names, for raw date words.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Day names, indexed from Thursday (1970-01-01 was a Thursday).
pub const WEEKDAYS_FROM_THURSDAY: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];

/// Descriptions of damage.
pub const DAMAGE: &[&str] = &[
    "minor infrastructure damage",
    "minimal damage",
    "a hangar was damaged",
    "living quarters hit",
    "no significant damage",
    "damage to a communications dome",
    "a vehicle was destroyed",
];

/// Notes on casualties.
pub const CASUALTY_NOTES: &[&str] = &[
    "one being critical",
    "minor injuries, since returned to duty",
    "traumatic brain injuries under evaluation",
    "evacuated for further medical care",
];

/// Why a correction was made.
pub const CORRECTION_REASONS: &[&str] = &[
    "the source updated the casualty figures",
    "the wire corrected the number of drones",
    "the outcome was misreported in the first version",
    "the date was given wrongly in the first version",
    "the Pentagon revised the figure a day later",
];

/// Why incidents were merged.
pub const MERGE_REASONS: &[&str] = &[
    "Same attack: same base, same day, same munitions; reported under separate keys.",
    "Same strike, dated differently by the two sources; the place and the toll agree.",
    "One event: the second report is a later account of the same attack with updated figures.",
];
