package dtl

import (
	"strings"
	"testing"
	"time"
)

// referenceTimezones is the list of supported time zones on the
// reference's timezones page; every one must load from the tz database
// compiled into the binary.
var referenceTimezones = []string{
	"Africa/Abidjan", "Africa/Accra", "Africa/Addis_Ababa", "Africa/Algiers", "Africa/Asmara",
	"Africa/Asmera", "Africa/Bamako", "Africa/Bangui", "Africa/Banjul", "Africa/Bissau",
	"Africa/Blantyre", "Africa/Brazzaville", "Africa/Bujumbura", "Africa/Cairo", "Africa/Casablanca",
	"Africa/Ceuta", "Africa/Conakry", "Africa/Dakar", "Africa/Dar_es_Salaam", "Africa/Djibouti",
	"Africa/Douala", "Africa/El_Aaiun", "Africa/Freetown", "Africa/Gaborone", "Africa/Harare",
	"Africa/Johannesburg", "Africa/Juba", "Africa/Kampala", "Africa/Khartoum", "Africa/Kigali",
	"Africa/Kinshasa", "Africa/Lagos", "Africa/Libreville", "Africa/Lome", "Africa/Luanda",
	"Africa/Lubumbashi", "Africa/Lusaka", "Africa/Malabo", "Africa/Maputo", "Africa/Maseru",
	"Africa/Mbabane", "Africa/Mogadishu", "Africa/Monrovia", "Africa/Nairobi", "Africa/Ndjamena",
	"Africa/Niamey", "Africa/Nouakchott", "Africa/Ouagadougou", "Africa/Porto-Novo", "Africa/Sao_Tome",
	"Africa/Timbuktu", "Africa/Tripoli", "Africa/Tunis", "Africa/Windhoek", "America/Adak",
	"America/Anchorage", "America/Anguilla", "America/Antigua", "America/Araguaina", "America/Argentina/Buenos_Aires",
	"America/Argentina/Catamarca", "America/Argentina/ComodRivadavia", "America/Argentina/Cordoba", "America/Argentina/Jujuy", "America/Argentina/La_Rioja",
	"America/Argentina/Mendoza", "America/Argentina/Rio_Gallegos", "America/Argentina/Salta", "America/Argentina/San_Juan", "America/Argentina/San_Luis",
	"America/Argentina/Tucuman", "America/Argentina/Ushuaia", "America/Aruba", "America/Asuncion", "America/Atikokan",
	"America/Atka", "America/Bahia", "America/Bahia_Banderas", "America/Barbados", "America/Belem",
	"America/Belize", "America/Blanc-Sablon", "America/Boa_Vista", "America/Bogota", "America/Boise",
	"America/Buenos_Aires", "America/Cambridge_Bay", "America/Campo_Grande", "America/Cancun", "America/Caracas",
	"America/Catamarca", "America/Cayenne", "America/Cayman", "America/Chicago", "America/Chihuahua",
	"America/Coral_Harbour", "America/Cordoba", "America/Costa_Rica", "America/Creston", "America/Cuiaba",
	"America/Curacao", "America/Danmarkshavn", "America/Dawson", "America/Dawson_Creek", "America/Denver",
	"America/Detroit", "America/Dominica", "America/Edmonton", "America/Eirunepe", "America/El_Salvador",
	"America/Ensenada", "America/Fort_Nelson", "America/Fort_Wayne", "America/Fortaleza", "America/Glace_Bay",
	"America/Godthab", "America/Goose_Bay", "America/Grand_Turk", "America/Grenada", "America/Guadeloupe",
	"America/Guatemala", "America/Guayaquil", "America/Guyana", "America/Halifax", "America/Havana",
	"America/Hermosillo", "America/Indiana/Indianapolis", "America/Indiana/Knox", "America/Indiana/Marengo", "America/Indiana/Petersburg",
	"America/Indiana/Tell_City", "America/Indiana/Vevay", "America/Indiana/Vincennes", "America/Indiana/Winamac", "America/Indianapolis",
	"America/Inuvik", "America/Iqaluit", "America/Jamaica", "America/Jujuy", "America/Juneau",
	"America/Kentucky/Louisville", "America/Kentucky/Monticello", "America/Knox_IN", "America/Kralendijk", "America/La_Paz",
	"America/Lima", "America/Los_Angeles", "America/Louisville", "America/Lower_Princes", "America/Maceio",
	"America/Managua", "America/Manaus", "America/Marigot", "America/Martinique", "America/Matamoros",
	"America/Mazatlan", "America/Mendoza", "America/Menominee", "America/Merida", "America/Metlakatla",
	"America/Mexico_City", "America/Miquelon", "America/Moncton", "America/Monterrey", "America/Montevideo",
	"America/Montreal", "America/Montserrat", "America/Nassau", "America/New_York", "America/Nipigon",
	"America/Nome", "America/Noronha", "America/North_Dakota/Beulah", "America/North_Dakota/Center", "America/North_Dakota/New_Salem",
	"America/Ojinaga", "America/Panama", "America/Pangnirtung", "America/Paramaribo", "America/Phoenix",
	"America/Port-au-Prince", "America/Port_of_Spain", "America/Porto_Acre", "America/Porto_Velho", "America/Puerto_Rico",
	"America/Punta_Arenas", "America/Rainy_River", "America/Rankin_Inlet", "America/Recife", "America/Regina",
	"America/Resolute", "America/Rio_Branco", "America/Rosario", "America/Santa_Isabel", "America/Santarem",
	"America/Santiago", "America/Santo_Domingo", "America/Sao_Paulo", "America/Scoresbysund", "America/Shiprock",
	"America/Sitka", "America/St_Barthelemy", "America/St_Johns", "America/St_Kitts", "America/St_Lucia",
	"America/St_Thomas", "America/St_Vincent", "America/Swift_Current", "America/Tegucigalpa", "America/Thule",
	"America/Thunder_Bay", "America/Tijuana", "America/Toronto", "America/Tortola", "America/Vancouver",
	"America/Virgin", "America/Whitehorse", "America/Winnipeg", "America/Yakutat", "America/Yellowknife",
	"Antarctica/Casey", "Antarctica/Davis", "Antarctica/DumontDUrville", "Antarctica/Macquarie", "Antarctica/Mawson",
	"Antarctica/McMurdo", "Antarctica/Palmer", "Antarctica/Rothera", "Antarctica/South_Pole", "Antarctica/Syowa",
	"Antarctica/Troll", "Antarctica/Vostok", "Arctic/Longyearbyen", "Asia/Aden", "Asia/Almaty",
	"Asia/Amman", "Asia/Anadyr", "Asia/Aqtau", "Asia/Aqtobe", "Asia/Ashgabat",
	"Asia/Ashkhabad", "Asia/Atyrau", "Asia/Baghdad", "Asia/Bahrain", "Asia/Baku",
	"Asia/Bangkok", "Asia/Barnaul", "Asia/Beirut", "Asia/Bishkek", "Asia/Brunei",
	"Asia/Calcutta", "Asia/Chita", "Asia/Choibalsan", "Asia/Chongqing", "Asia/Chungking",
	"Asia/Colombo", "Asia/Dacca", "Asia/Damascus", "Asia/Dhaka", "Asia/Dili",
	"Asia/Dubai", "Asia/Dushanbe", "Asia/Famagusta", "Asia/Gaza", "Asia/Harbin",
	"Asia/Hebron", "Asia/Ho_Chi_Minh", "Asia/Hong_Kong", "Asia/Hovd", "Asia/Irkutsk",
	"Asia/Istanbul", "Asia/Jakarta", "Asia/Jayapura", "Asia/Jerusalem", "Asia/Kabul",
	"Asia/Kamchatka", "Asia/Karachi", "Asia/Kashgar", "Asia/Kathmandu", "Asia/Katmandu",
	"Asia/Khandyga", "Asia/Kolkata", "Asia/Krasnoyarsk", "Asia/Kuala_Lumpur", "Asia/Kuching",
	"Asia/Kuwait", "Asia/Macao", "Asia/Macau", "Asia/Magadan", "Asia/Makassar",
	"Asia/Manila", "Asia/Muscat", "Asia/Nicosia", "Asia/Novokuznetsk", "Asia/Novosibirsk",
	"Asia/Omsk", "Asia/Oral", "Asia/Phnom_Penh", "Asia/Pontianak", "Asia/Pyongyang",
	"Asia/Qatar", "Asia/Qyzylorda", "Asia/Rangoon", "Asia/Riyadh", "Asia/Saigon",
	"Asia/Sakhalin", "Asia/Samarkand", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore",
	"Asia/Srednekolymsk", "Asia/Taipei", "Asia/Tashkent", "Asia/Tbilisi", "Asia/Tehran",
	"Asia/Tel_Aviv", "Asia/Thimbu", "Asia/Thimphu", "Asia/Tokyo", "Asia/Tomsk",
	"Asia/Ujung_Pandang", "Asia/Ulaanbaatar", "Asia/Ulan_Bator", "Asia/Urumqi", "Asia/Ust-Nera",
	"Asia/Vientiane", "Asia/Vladivostok", "Asia/Yakutsk", "Asia/Yangon", "Asia/Yekaterinburg",
	"Asia/Yerevan", "Atlantic/Azores", "Atlantic/Bermuda", "Atlantic/Canary", "Atlantic/Cape_Verde",
	"Atlantic/Faeroe", "Atlantic/Faroe", "Atlantic/Jan_Mayen", "Atlantic/Madeira", "Atlantic/Reykjavik",
	"Atlantic/South_Georgia", "Atlantic/St_Helena", "Atlantic/Stanley", "Australia/ACT", "Australia/Adelaide",
	"Australia/Brisbane", "Australia/Broken_Hill", "Australia/Canberra", "Australia/Currie", "Australia/Darwin",
	"Australia/Eucla", "Australia/Hobart", "Australia/LHI", "Australia/Lindeman", "Australia/Lord_Howe",
	"Australia/Melbourne", "Australia/NSW", "Australia/North", "Australia/Perth", "Australia/Queensland",
	"Australia/South", "Australia/Sydney", "Australia/Tasmania", "Australia/Victoria", "Australia/West",
	"Australia/Yancowinna", "Brazil/Acre", "Brazil/DeNoronha", "Brazil/East", "Brazil/West",
	"CET", "CST6CDT", "Canada/Atlantic", "Canada/Central", "Canada/Eastern",
	"Canada/Mountain", "Canada/Newfoundland", "Canada/Pacific", "Canada/Saskatchewan", "Canada/Yukon",
	"Chile/Continental", "Chile/EasterIsland", "Cuba", "EET", "EST",
	"EST5EDT", "Egypt", "Eire", "Etc/GMT", "Etc/GMT+0",
	"Etc/GMT+1", "Etc/GMT+10", "Etc/GMT+11", "Etc/GMT+12", "Etc/GMT+2",
	"Etc/GMT+3", "Etc/GMT+4", "Etc/GMT+5", "Etc/GMT+6", "Etc/GMT+7",
	"Etc/GMT+8", "Etc/GMT+9", "Etc/GMT-0", "Etc/GMT-1", "Etc/GMT-10",
	"Etc/GMT-11", "Etc/GMT-12", "Etc/GMT-13", "Etc/GMT-14", "Etc/GMT-2",
	"Etc/GMT-3", "Etc/GMT-4", "Etc/GMT-5", "Etc/GMT-6", "Etc/GMT-7",
	"Etc/GMT-8", "Etc/GMT-9", "Etc/GMT0", "Etc/Greenwich", "Etc/UCT",
	"Etc/UTC", "Etc/Universal", "Etc/Zulu", "Europe/Amsterdam", "Europe/Andorra",
	"Europe/Astrakhan", "Europe/Athens", "Europe/Belfast", "Europe/Belgrade", "Europe/Berlin",
	"Europe/Bratislava", "Europe/Brussels", "Europe/Bucharest", "Europe/Budapest", "Europe/Busingen",
	"Europe/Chisinau", "Europe/Copenhagen", "Europe/Dublin", "Europe/Gibraltar", "Europe/Guernsey",
	"Europe/Helsinki", "Europe/Isle_of_Man", "Europe/Istanbul", "Europe/Jersey", "Europe/Kaliningrad",
	"Europe/Kiev", "Europe/Kirov", "Europe/Lisbon", "Europe/Ljubljana", "Europe/London",
	"Europe/Luxembourg", "Europe/Madrid", "Europe/Malta", "Europe/Mariehamn", "Europe/Minsk",
	"Europe/Monaco", "Europe/Moscow", "Europe/Nicosia", "Europe/Oslo", "Europe/Paris",
	"Europe/Podgorica", "Europe/Prague", "Europe/Riga", "Europe/Rome", "Europe/Samara",
	"Europe/San_Marino", "Europe/Sarajevo", "Europe/Saratov", "Europe/Simferopol", "Europe/Skopje",
	"Europe/Sofia", "Europe/Stockholm", "Europe/Tallinn", "Europe/Tirane", "Europe/Tiraspol",
	"Europe/Ulyanovsk", "Europe/Uzhgorod", "Europe/Vaduz", "Europe/Vatican", "Europe/Vienna",
	"Europe/Vilnius", "Europe/Volgograd", "Europe/Warsaw", "Europe/Zagreb", "Europe/Zaporozhye",
	"Europe/Zurich", "GB", "GB-Eire", "GMT", "GMT+0",
	"GMT-0", "GMT0", "Greenwich", "HST", "Hongkong",
	"Iceland", "Indian/Antananarivo", "Indian/Chagos", "Indian/Christmas", "Indian/Cocos",
	"Indian/Comoro", "Indian/Kerguelen", "Indian/Mahe", "Indian/Maldives", "Indian/Mauritius",
	"Indian/Mayotte", "Indian/Reunion", "Iran", "Israel", "Jamaica",
	"Japan", "Kwajalein", "Libya", "MET", "MST",
	"MST7MDT", "Mexico/BajaNorte", "Mexico/BajaSur", "Mexico/General", "NZ",
	"NZ-CHAT", "Navajo", "PRC", "PST8PDT", "Pacific/Apia",
	"Pacific/Auckland", "Pacific/Bougainville", "Pacific/Chatham", "Pacific/Chuuk", "Pacific/Easter",
	"Pacific/Efate", "Pacific/Enderbury", "Pacific/Fakaofo", "Pacific/Fiji", "Pacific/Funafuti",
	"Pacific/Galapagos", "Pacific/Gambier", "Pacific/Guadalcanal", "Pacific/Guam", "Pacific/Honolulu",
	"Pacific/Johnston", "Pacific/Kiritimati", "Pacific/Kosrae", "Pacific/Kwajalein", "Pacific/Majuro",
	"Pacific/Marquesas", "Pacific/Midway", "Pacific/Nauru", "Pacific/Niue", "Pacific/Norfolk",
	"Pacific/Noumea", "Pacific/Pago_Pago", "Pacific/Palau", "Pacific/Pitcairn", "Pacific/Pohnpei",
	"Pacific/Ponape", "Pacific/Port_Moresby", "Pacific/Rarotonga", "Pacific/Saipan", "Pacific/Samoa",
	"Pacific/Tahiti", "Pacific/Tarawa", "Pacific/Tongatapu", "Pacific/Truk", "Pacific/Wake",
	"Pacific/Wallis", "Pacific/Yap", "Poland", "Portugal", "ROC",
	"ROK", "Singapore", "Turkey", "UCT", "US/Alaska",
	"US/Aleutian", "US/Arizona", "US/Central", "US/East-Indiana", "US/Eastern",
	"US/Hawaii", "US/Indiana-Starke", "US/Michigan", "US/Mountain", "US/Pacific",
	"US/Samoa", "UTC", "Universal", "W-SU", "WET",
	"Zulu",
}

func TestReferenceTimezonesLoad(t *testing.T) {
	for _, name := range referenceTimezones {
		if _, err := loadTimezone(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, bad := range []string{"", "Local", "Europe/Nowhere", "../etc/passwd", "/etc/localtime", "Europe\\Oslo"} {
		if _, err := loadTimezone(bad); err == nil {
			t.Errorf("%q loaded; want an error", bad)
		}
	}
}

// TestDatetimeCompileErrors: constant arguments the reference does not
// allow are refused when the rule is compiled, naming the problem.
func TestDatetimeCompileErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["datetime-parse", "Europe/Nowhere", "%Y", "2015"]`, "unknown time zone"},
		{`["datetime-parse", "%Y-%Q", "2015"]`, "%Q"},
		{`["datetime-parse", "%Y-%", "2015"]`, "lone"},
		{`["datetime-format", "Mars/Base", "%Y", ["now"]]`, "unknown time zone"},
		{`["datetime-shift", "UTC", "Europe/Nowhere", ["now"]]`, "unknown time zone"},
		{`["datetime-shift", "Nowhere", "UTC", ["now"]]`, "unknown time zone"},
		{`["datetime-plus", "days", 1, ["now"]]`, "unknown DATEPART"},
		{`["datetime-plus", "day", "1", ["now"]]`, "integer"},
		{`["datetime-diff", "fortnight", ["now"], ["now"]]`, "unknown DATEPART"},
		{`["now", 1]`, "argument"},
		{`["datetime-parse", "%Y"]`, "argument"},
	} {
		_, err := evalText(t, tc.expr, "", "", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one mentioning %q", tc.expr, err, tc.want)
		}
	}
}

// TestDatetimeRuntimeErrors: arguments computed at run time are checked too.
func TestDatetimeRuntimeErrors(t *testing.T) {
	src := `{"tz": "Europe/Nowhere", "part": "days", "n": "x", "f": 1}`
	for _, tc := range []struct{ expr, want string }{
		{`["datetime-parse", "_S.tz", "%Y", "2015"]`, "unknown time zone"},
		{`["datetime-format", "_S.tz", "%Y", ["now"]]`, "unknown time zone"},
		{`["datetime-shift", "UTC", "_S.tz", ["now"]]`, "unknown time zone"},
		{`["datetime-plus", "_S.part", 1, ["now"]]`, "unknown DATEPART"},
		{`["datetime-plus", "day", "_S.n", ["now"]]`, "integer"},
		{`["datetime-plus", "day", 1.5, ["now"]]`, "integer"},
		{`["datetime-diff", "_S.part", ["now"], ["now"]]`, "unknown DATEPART"},
		{`["datetime-format", "_S.f", ["now"]]`, "format"},
		{`["datetime-parse", "_S.f", "2015"]`, "format"},
	} {
		_, err := evalText(t, tc.expr, src, "", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one mentioning %q", tc.expr, err, tc.want)
		}
	}
}

func TestStrptime(t *testing.T) {
	oslo, _ := loadTimezone("Europe/Oslo")
	for _, tc := range []struct {
		s, format string
		loc       *time.Location
		want      string // "" means: does not parse
	}{
		{"2015-07-28", "%Y-%m-%d", time.UTC, "2015-07-28T00:00:00Z"},
		{"2015-7-8", "%Y-%m-%d", time.UTC, "2015-07-08T00:00:00Z"},
		{"20150728", "%Y%m%d", time.UTC, "2015-07-28T00:00:00Z"},
		{"2015-07-28T09:46:00.1Z", "%Y-%m-%dT%H:%M:%S.%fZ", time.UTC, "2015-07-28T09:46:00.1Z"},
		{"2015-07-28T09:46:00.000001Z", "%Y-%m-%dT%H:%M:%S.%fZ", time.UTC, "2015-07-28T09:46:00.000001Z"},
		{"2015-07-28T09:46:00.1234567891Z", "%Y-%m-%dT%H:%M:%S.%fZ", time.UTC, ""},
		{"2015-07-28 09:46+01:00", "%Y-%m-%d %H:%M%z", oslo, "2015-07-28T08:46:00Z"},
		{"2015-07-28 09:46+01", "%Y-%m-%d %H:%M%z", time.UTC, "2015-07-28T08:46:00Z"},
		{"2015-07-28 09:46 UTC", "%Y-%m-%d %H:%M %Z", oslo, "2015-07-28T09:46:00Z"},
		{"2015-07-28 09:46", "%Y-%m-%d %H:%M", oslo, "2015-07-28T07:46:00Z"},
		{"2015-01-28 09:46", "%Y-%m-%d %H:%M", oslo, "2015-01-28T08:46:00Z"},
		{"12:00 AM", "%I:%M %p", time.UTC, "1900-01-01T00:00:00Z"},
		{"12:00 pm", "%I:%M %p", time.UTC, "1900-01-01T12:00:00Z"},
		{"13:00 pm", "%H:%M %p", time.UTC, "1900-01-01T13:00:00Z"},
		{"2016-02-29", "%Y-%m-%d", time.UTC, "2016-02-29T00:00:00Z"},
		{"2015-02-29", "%Y-%m-%d", time.UTC, ""},
		{"2015-04-31", "%Y-%m-%d", time.UTC, ""},
		{"0000-01-01", "%Y-%m-%d", time.UTC, ""},
		{"0001-01-01 00:00", "%Y-%m-%d %H:%M", oslo, ""}, // before year 1 in UTC
		{"2015-366", "%Y-%j", time.UTC, ""},
		{"2015-13-01", "%Y-%m-%d", time.UTC, ""},
		{"23:60", "%H:%M", time.UTC, ""},
		{"23:59:60", "%H:%M:%S", time.UTC, ""},
		{"2015-07-28 ", "%Y-%m-%d", time.UTC, ""},
		{"2015-07", "%Y-%m-%d", time.UTC, ""},
		{"", "", time.UTC, "1900-01-01T00:00:00Z"},
		{"x", "", time.UTC, ""},
		{"Jul 4 2015", "%b %d %Y", time.UTC, "2015-07-04T00:00:00Z"},
		{"MAY 4 2015", "%B %d %Y", time.UTC, "2015-05-04T00:00:00Z"},
		{"Mon 2015-07-27", "%a %F", time.UTC, "2015-07-27T00:00:00Z"},
		{"2015-07-27\t 10:11", "%F%n%R", time.UTC, "2015-07-27T10:11:00Z"},
		{"07/27/15 10:11:12", "%D %T", time.UTC, "2015-07-27T10:11:12Z"},
		{"2015-07-27", "%F%F", time.UTC, ""},
		{"2015-07-27+2500", "%F%z", time.UTC, ""},
		{"2015-07-27+", "%F%z", time.UTC, ""},
	} {
		got, ok := strptime(tc.s, tc.format, tc.loc)
		switch {
		case tc.want == "" && ok:
			t.Errorf("strptime(%q, %q) = %s; want no parse", tc.s, tc.format, FormatDatetime(got))
		case tc.want != "" && !ok:
			t.Errorf("strptime(%q, %q) did not parse; want %s", tc.s, tc.format, tc.want)
		case tc.want != "" && FormatDatetime(got) != tc.want:
			t.Errorf("strptime(%q, %q) = %s; want %s", tc.s, tc.format, FormatDatetime(got), tc.want)
		}
	}
}

// TestLocalize checks the daylight saving decisions in zones with
// different transitions, including a 30-minute one (Lord Howe).
func TestLocalize(t *testing.T) {
	for _, tc := range []struct {
		zone, wall, want string
	}{
		{"Europe/Oslo", "2023-10-29T02:30:00", "2023-10-29T01:30:00Z"}, // twice: later
		{"Europe/Oslo", "2023-10-29T01:59:59", "2023-10-28T23:59:59Z"},
		{"Europe/Oslo", "2023-10-29T03:00:00", "2023-10-29T02:00:00Z"},
		{"Europe/Oslo", "2023-03-26T02:30:00", "2023-03-26T01:30:00Z"}, // gap
		{"Europe/Oslo", "2023-03-26T03:00:00", "2023-03-26T01:00:00Z"},
		{"America/New_York", "2023-11-05T01:30:00", "2023-11-05T06:30:00Z"},
		{"America/New_York", "2023-03-12T02:30:00", "2023-03-12T07:30:00Z"},
		{"Australia/Lord_Howe", "2023-04-02T01:45:00", "2023-04-01T15:15:00Z"},
		{"Australia/Sydney", "2023-04-02T02:30:00", "2023-04-01T16:30:00Z"},
		{"Asia/Tokyo", "2023-04-02T02:30:00", "2023-04-01T17:30:00Z"},
		{"UTC", "2023-04-02T02:30:00", "2023-04-02T02:30:00Z"},
	} {
		loc, err := loadTimezone(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		w, err := time.Parse("2006-01-02T15:04:05", tc.wall)
		if err != nil {
			t.Fatal(err)
		}
		y, mo, d := w.Date()
		h, mi, s := w.Clock()
		if got := FormatDatetime(dtLocalize(y, mo, d, h, mi, s, 0, loc)); got != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.zone, tc.wall, got, tc.want)
		}
	}
}

// TestDatetimeExtremes: huge amounts and the ends of the datetime range
// drop values or give exact big integers, never panic or wrap around.
func TestDatetimeExtremes(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["datetime-plus", "nanosecond", 9223372036854775807, "~t2015-01-01T00:00:00Z"]`, `"~t2307-04-12T23:47:16.854775807Z"`},
		{`["datetime-plus", "nanosecond", -9223372036854775808, "~t2015-01-01T00:00:00Z"]`, `"~t1722-09-22T00:12:43.145224192Z"`},
		{`["datetime-plus", "second", 9223372036854775807, "~t2015-01-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "week", -9223372036854775808, "~t2015-01-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "month", 9223372036854775807, "~t2015-01-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "year", -9223372036854775808, "~t2015-01-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "day", 99999999999999999999999, "~t2015-01-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "day", 2.0, "~t2015-01-01T00:00:00Z"]`, `"~t2015-01-03T00:00:00Z"`},
		{`["datetime-plus", "day", "~f-2.0", "~t2015-01-01T00:00:00Z"]`, `"~t2014-12-30T00:00:00Z"`},
		{`["datetime-plus", "second", 1, "~t9999-12-31T23:59:59Z"]`, `null`},
		{`["datetime-plus", "nanosecond", -1, "~t0001-01-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "month", -1, "~t0001-01-31T00:00:00Z"]`, `null`},
		{`["datetime-plus", "month", 1, "~t9999-12-01T00:00:00Z"]`, `null`},
		{`["datetime-plus", "year", 9998, "~t0001-01-01T00:00:00Z"]`, `"~t9999-01-01T00:00:00Z"`},
		{`["datetime-diff", "nanosecond", "~t0001-01-01T00:00:00Z", "~t9999-12-31T23:59:59.999999999Z"]`, `-315537897599999999999`},
		{`["datetime-diff", "year", "~t0001-01-01T00:00:00Z", "~t9999-12-31T23:59:59.999999999Z"]`, `-9998`},
		{`["datetime-diff", "month", "~t9999-12-31T23:59:59.999999999Z", "~t0001-01-01T00:00:00Z"]`, `119987`},
		{`["datetime-diff", "day", "~t2015-01-01T00:00:00Z", "~t2015-01-01T00:00:00Z"]`, `0`},
		{`["datetime-diff", "microsecond", "~t2015-01-01T00:00:00.000000999Z", "~t2015-01-01T00:00:00.000001998Z"]`, `0`},
		{`["datetime-shift", "UTC", "Pacific/Kiritimati", "~t0001-01-01T05:00:00Z"]`, `null`},
		{`["datetime-shift", "UTC", "Asia/Tokyo", "~t9999-12-31T20:00:00Z"]`, `null`},
		{`["datetime-shift", "Asia/Tokyo", "UTC", "~t9999-12-31T20:00:00Z"]`, `"~t9999-12-31T11:00:00Z"`},
		{`["datetime", 9223372036854775807]`, `"~t2262-04-11T23:47:16.854775807Z"`},
		{`["datetime", 92233720368547758070]`, `null`},
		{`["datetime", "10000-01-01T00:00:00Z"]`, `null`},
		{`["datetime", "0001-01-01T00:00:00+01:00"]`, `null`},
		{`["datetime", "2015-07-28T09:46:00.123456789Z"]`, `"~t2015-07-28T09:46:00.123456789Z"`},
		{`["datetime", "2015-07-28t09:46:00z"]`, `"~t2015-07-28T09:46:00Z"`},
		{`["datetime", "2015-07-28T09:46Z"]`, `"~t2015-07-28T09:46:00Z"`},
		{`["datetime", "2015-07-28T09:46:00+0200"]`, `"~t2015-07-28T07:46:00Z"`},
		{`["datetime", "28.07.2015"]`, `null`},
		{`["datetime-format", "%Y-%m-%dT%H:%M:%S", "~t0001-01-01T00:00:00Z"]`, `"0001-01-01T00:00:00"`},
		{`["datetime-format", "US/Pacific", "%F %T %Z", "~t2015-07-28T09:46:00Z"]`, `"2015-07-28 02:46:00 PDT"`},
	} {
		got, err := evalText(t, tc.expr, "", "", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); !sameValue(got, want) {
			t.Errorf("%s\n got: %s\nwant: %s", tc.expr, EncodeJSON(got), tc.want)
		}
	}
}

// FuzzStrptime: no input or format makes the parser panic, and whatever it
// accepts is a datetime in range.
func FuzzStrptime(f *testing.F) {
	f.Add("2015-07-28T09:46:00.12345+02:00", "%Y-%m-%dT%H:%M:%S.%f%z")
	f.Add("Tue 28 July 15 9:46 pm", "%a %d %B %y %I:%M %p")
	f.Add("2015-366", "%Y-%j")
	f.Fuzz(func(t *testing.T, s, format string) {
		oslo, _ := loadTimezone("Europe/Oslo")
		for _, loc := range []*time.Location{time.UTC, oslo} {
			if got, ok := strptime(s, format, loc); ok && !inDatetimeRange(got) {
				t.Errorf("strptime(%q, %q) = %v, out of range", s, format, got)
			}
		}
	})
}
