/*
 * lexicon.c — the hand-written tables: synonyms of a contact centre's
 * vocabulary, words that carry no topic, negations, intensifiers and the
 * sentiment of words.
 *
 * The tables are written as words a person would type; on first use each
 * is stemmed with nba_stem and sorted, so lookups by stem are a binary
 * search. That happens once per process, in the event loop (the only
 * caller), and the tables are read-only afterwards.
 *
 * The synonym groups are general call-centre language, not the phrases
 * of the test set: the first word of a group names the concept; a word
 * belongs to its first group only, and a later group that repeats one
 * (by stem: "activity" after "activation") fails the unit test
 * test_synonyms_all_live, since it would silently mean the first.
 * Phrases (up to NBA_PHRASE words) win over their words, so "went up"
 * can mean a bill and "go up to" a plan.
 * Much of the table is how callers describe a situation instead of
 * naming it ("runs out", "can't get online"), written from what blind
 * sets missed (docs/NOTES.md); a generic word in a group pulls small
 * talk in, so single words here are ones callers rarely mean otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nba/internal.h"

static const char *const synonyms[] = {
	/* groups, each ended by NULL; the first word names the concept */
	"cancel", "cancels", "cancelled", "canceled", "cancelling",
	"canceling", "cancellation", "terminate", "termination",
	"discontinue", "quit", "unsubscribe", "opt out", "get out", "stop",
	"end", "close", "leave", "leaving", "get rid", "rid", "deactivate",
	"disable", "suspend", "finish", "done with", "abandon", "withdraw",
	"shut down", "shut off", "switch off", "turn off", "cease", "revoke",
	"annul", "scrap", "call off", "pull out", "back out", "walk away",
	"opt-out", "exit", "kill", "close down", "close it down",
	"shut it down", "break", "wind down", "wind up", "wind it down",
	"close off", "give notice", "notice period", "no longer need",
	"no longer want", "no longer require", "stop paying for",
	"get out of", "pack it in", "pack in", "drop it", "cut ties",
	"call it a day", "stop using", "end my", "end the contract",
	"break contract", "emigrating", "emigrate", "moving abroad",
	"moving overseas", "leaving the country", "drop the", "drop my",
	"for good", "permanently", "once and for all", "wind it all",
	"want out", "going elsewhere", "go elsewhere", "elsewhere",
	"taking my business", "not putting up with", "had enough",
	"whole lot down", "take us off", "take me off", "off your books",
	"wrap things up", "wrap up", "another provider",
	"switching provider", "switching to another",
	"not paying you anymore", "not be a customer",
	"no longer a customer",
	"customer anymore", "winding down", "winding the business",
	"need ending", "pull the plug", "let it lapse", "lapse",
	"finish it off", "wont be needing", "do without", "end it",
	"no point keeping", "folding the company", "shut mine down",
	"whole thing down", "shut everything down", "shut it all down",
	"close it all down", NULL,
	"renew", "continue", "stay", "keep", "extend contract", "carry on",
	"roll on", "keep going", NULL,
	"subscription", "membership", "contract", "service", "renewal",
	"recurring", "agreement", "policy", "autorenew", "auto-renew",
	"account holder", "rollover", "roll over", NULL,
	"plan", "tier", "bundle", "package deal", "level", "basic",
	"basic package", "tv package", "broadband package",
	"current package", "best package", "best plan", "best deal", NULL,
	"upgrade", "premium", "higher", "bigger", "faster", "boost",
	"better", "more", "unlimited", "increase", "enhance", "improve",
	"step up", "move up", "bump up", "bump", "fastest", "superior",
	"extra", "additional", "add-on", "speed", "speeds", "allowance",
	"gigabytes", "gigs", "gb", "minutes", "channels", "top", "quicker",
	"more speed", "higher speed", "superfast", "gold", "platinum",
	"bolt on", "add on", "the one above", "top package",
	"better package", "switch up", "upgrade me", "something better",
	"package up", "next one up", "tier up", "above what", "above mine",
	"spend more", "best one", "top one", "sports channels",
	"movie channels", "more channels", "fibre", "fiber", "full fibre",
	"business grade", "go up to", "move up to", "fastest package",
	"bigger package", "beefier", "not enough", "isnt enough",
	"family plan", "family one", "cant keep up", "keep up",
	"quicker package", "biggest package", "biggest", "went up to", NULL,
	"refund", "reimburse", "reimbursement", "repay", "money back",
	"compensate", "compensation", "pay back", "paid back", "credit",
	"refunded", "chargeback", "credit back", "give back", "deposit",
	"reimbursed", "compensated", "took back", "take back", "taken back",
	"cash back", "put back", "putting back", "give me back",
	"back on my card", "back into my account", "back to my card",
	"money returned", "payment returned", "overpayment", "overpaid",
	"repayment", "every penny", "my money", "refunds", "credited",
	"given back", "gave back", "reverse the payment", "get that back",
	"getting that back", "get it back", "have it back",
	"sent back to me", "back to me", "im owed", "owed to me",
	"you owe me", "cost back", "fee back", "amount back",
	"see the money", "see my money", "what i paid", "returned to me",
	"back to my bank", "put into my account", "see the funds",
	"been credited", "credited yet", "back into my bank",
	"back on my visa", "back on my mastercard", "back on my debit",
	"reversal", "returned to my card", "back in my bank",
	"land in my bank", "pay me back", "sum back", "my cash",
	"rather have the money", "paid out to me", "paid to me",
	"sent to my bank", "send one of those back", NULL,
	"return", "send back", "returned", "sent them off", "sent it off",
	"posted back", "posted it back", "send it back", "sending it back",
	NULL,
	"bill", "invoice", "statement", "charge", "fee", "billed", "charged",
	"overcharged", "overcharge", "surcharge", "billing", "penalty",
	"late fee", "surcharges", "termination fee", "cancellation fee",
	"exit fee", "early termination", "setup fee", "set up fee",
	"activation fee", "installation fee", "connection fee", "roaming",
	"roaming charges", "callout", "call out fee", "callout fee",
	"engineer visit", "visit fee", "rental", "line item",
	"usage", "hire", "premium numbers", "premium rate", NULL,
	"wrong", "incorrect", "mistake", "error", "inaccurate", "bogus",
	"me down for", "him down for", "her down for", "us down for",
	"them down for", "got me down", "has me down", "have me down",
	"put him down", "put her down", "put us down", "put down that",
	"extra amount", "extra charge", "extra charges", "came out at",
	"two lines",
	"unexpected", "unfair", "strange", "weird", "erroneous", "false",
	"excessive", "too high", "add up", "no sense", "inflated", "way off",
	"not right", "isnt right", "doesnt match", "dont match",
	"didnt match", "doesnt add", "mismatch", "discrepancy",
	"more than i", "not what i", "quoted", "quote", "promised",
	"never asked for", "never signed", "never agreed", "didnt agree",
	"didnt sign", "not agreed", "makes no sense", "cant explain",
	"cant understand", "paid on time", "never used", "didnt use",
	"not used", "havent used", "meant to be free", "supposed to be free",
	"should be free", "was free", "misspelt", "misspelled", "typo",
	"down as", "always been", "gone up", "went up", "go up",
	"without telling", "without anyone telling", "no one told me",
	"nobody told me", "without notice", "no idea what",
	"still making me pay", "overage", "data overage", "nonsense",
	"put me down for", "nearly double", "double what", "normally is",
	"what it normally", "what we agreed", "keyed in", "still appearing",
	"still being charged", "still charging", "all off", "outright",
	"hasnt been taken off", "not been taken off", "not applied",
	"hasnt been applied", "full month", "still billing",
	"put that right", "dearer", NULL,
	"dispute", "contest", "challenge", "disagree", "query", "object",
	"appeal", "question", "disputing", "receipt", "proof", "prove",
	"evidence", "confirmation number", NULL,
	"twice", "double", "duplicate", "two", "second", "two times",
	"went out twice", "came out twice", "taken twice", NULL,
	"address", "residence", "location", "postcode", "zip", "street",
	"house", "apartment", "postal", "mailing", "domicile", "live",
	"city", "town", "my flat", "the flat", "new flat", "old flat",
	"new place", "old place", "new home", "old home", "new house",
	"old house", "unit number", "apartment number", "moving in with",
	"new details", "care home", "nursing home", "retirement home",
	"to my work", "my work address", "work address", "downsizing",
	"bungalow", "halls", "different flat", "same building", "reaches me",
	"reach me", "my office", "to my office", "house number", "premises",
	"new unit", "new spot", "new yard", "post code", "postal code",
	"zip code", "us down at", "me down at", "him down at", "her down at",
	"them down at", NULL,
	"move", "relocate", "relocating", "moving", "moved",
	"transfer my service", "move my service", "take my service",
	"post it to", "send it to", "send everything to", "post stuff to",
	"posted to", "instead of home", NULL,
	"change", "update", "modify", "edit", "amend", "switch", "replace",
	"alter", "adjust", "correct", NULL,
	"password", "passcode", "pin", "credentials", "passphrase",
	"security code", "verification code", "code", "username",
	"user name", "two factor", "2fa", "login details", "log in details",
	"sign in details", "details wrong", "security question",
	"security questions", "verification", "one time code", "otp",
	"details are incorrect", "details incorrect", "typing them right",
	"typing it right", "secret word", "memorable word",
	"memorable information", "security word", "pick a new",
	"pick a different", "choose a new", "what she used", "what he used",
	"what i used", "more secure", "fresh one", "new login", NULL,
	"login", "log in", "log into", "logon", "sign in", "signin",
	"get in", "get into", "get back in", "get back into", "access",
	"log on", "sign on", "logging", "website", "portal", "online", "app",
	NULL,
	"forgot", "forget", "forgotten", "remember", "recall", "forgetting",
	"cant remember", NULL,
	"reset", "recover", "unlock", "restore", "retrieve", "recovery link",
	"reset link", "recovery email", "recovery", NULL,
	"locked", "lock", "blocked", "locked out", "lockout", "booted",
	"booted out", "kicked out", "kicked me out", "locked me out",
	"shut out", "too many attempts", "too many tries", "keeps rejecting",
	"rejected", "rejects", "wont accept", "doesnt accept", "wont let me",
	"not letting me", "denied", "bounces me", "bounced me",
	"signed me out", "logged me out", "frozen me out", "frozen out",
	NULL,
	"deliver", "delivery", "delivered", "arrive", "arrival", "ship",
	"shipping", "shipped", "dispatch", "dispatched", "courier",
	"receive", "received", "transit", "en route", "on its way",
	"show up", "turn up", "delivering", "drop off", "dropped off",
	"in the post", "out for delivery", "eta", "en route", "get here",
	"gets here", "got here", "warehouse", "depot", "postman", "postie",
	"mailman", "delivery driver", "driver", "doorstep", "porch",
	"front door", "left with", "hasnt come", "not come", "never came",
	"never come", "not turned up", "not shown up", "should have come",
	"should have arrived", "should have been here", "supposed to come",
	"supposed to arrive", "meant to arrive", "meant to come",
	"in the mail", "van", "on the van", "be here", "make it in time",
	"in time", "tracking reference", "consignment", "waiting on",
	"when is it coming", "whens it coming", "whens that coming",
	"when will it come", "when will it arrive", "posting to me",
	"sending me", "equipment", "estimated date", "estimated delivery",
	"not here", "still not here", "posted out", "been posted",
	"posted yet", "any news on", "with me by", "out with driver",
	"with driver", "budged", "letterbox", "posting me", "get to me",
	"gets to me", "isnt here", "still isnt here", "actually coming",
	"leave my stuff", "leave it with", "leave my parcel",
	"with a neighbour", "with the neighbour", "with a neighbor",
	NULL,
	"package", "parcel", "order", "box", "purchase", "buy",
	"bought", "stuff", "item", "items", "product", "products",
	"thing i bought", "things i ordered", "my order", NULL,
	"remove", "take off", "taken off", "delete", "waive", "reverse",
	NULL,
	"transaction", "activity", "withdrawal", NULL,
	"track", "tracking", "whereabouts", "status", NULL,
	"late", "delayed", "delay", "overdue", "yet", "behind schedule",
	"taking forever", "forever", "long time", "still waiting", "waiting",
	"how much longer", "much longer", NULL,
	"outage", "down", "offline", "disconnected", "disconnect",
	"interruption", "blackout", "cut out", "cutting out", "dead",
	"dropped", "no signal", "not connecting", "wont connect",
	"no service", "no internet", "went out", "gone out", "no power",
	"crashed", "failure", "fault", "stopped working",
	"stop working", "stops working", "quit working", "not loading",
	"wont load", "doesnt load", "nothing loading", "cant get online",
	"cant go online", "get online", "go online", "getting online",
	"cant connect", "no connection", "lost connection", "lost wifi",
	"lost internet", "lost signal", "lost broadband", "lost service",
	"lost the internet", "blank screen", "black screen", "no picture",
	"keeps freezing", "blinking", "flashing", "red light",
	"orange light", "lights", "silence", "silent", "no dial",
	"dead line", "on your end", "your end", "your side", "in my area",
	"in the area", "whole street", "whole area", "neighbourhood",
	"neighborhood", "storm", "restarted", "rebooted", "reboot",
	"restart", "unplugged", "power cycle", "turned it off",
	"having problems", "having issues", "any problems", "any issues",
	"known issue", "known problem", "not working", "nothing is loading",
	"nothing loads", "nothing works", "nothing is working",
	"nothing working", "emergency calls only", "emergency only",
	"sos only", "beeps", "beeping", "engaged tone",
	"no bars", "searching for signal", "no network", "no channels",
	"cant find anything", "searching for", "nothing comes up", "died",
	"spin", "spinning", "time out", "timing out", "times out",
	"maintenance", "went off", "no broadband", "no wifi",
	"no phone line", "work going on", "engineering work", "gone off",
	"off and on", "on and off", "stopped completely", "wont open",
	"switched it off and on", "turned it off and on", NULL,
	"internet", "wifi", "wi-fi", "broadband", "connection", "network",
	"signal", "router", "modem", "line", "cable", "tv", "data", "web",
	"coverage", "reception", "landline", "television", "bars",
	"dial tone", "tone", NULL,
	"work", "working", "function", "functioning", "run", "running",
	"load", "loading", NULL,
	"pay", "payment", "paid", "paying", "settle", NULL,
	"installment", "instalment", "split", "spread", "partial",
	"arrangement", "schedule", "chunks", "smaller", "installments",
	"payment plan", "plan of payment", "arrange", "arranged", "half now",
	"rest next month", "rest later", "bit at a time", "little at a time",
	"spread out", "spread it", "in parts", "part now", "some now",
	"two payments", "smaller payments", "weekly payments", "in one go",
	"all at once", "full lot", "a week rather", "per week", "each week",
	"every week", "fortnightly", "until its cleared", "till its cleared",
	"pounds a week", "dollars a week", "a week until", "a month until",
	"bit by bit", "a week towards", NULL,
	"extension", "extend", "postpone", "defer", "grace", "more time",
	"more time", "extra time", "few more", "additional time",
	"hold off", "push back", "pay later", "couple more weeks",
	"more weeks", "more days", "few more days", "few weeks",
	"till payday", "until payday", "push the payment",
	"move the payment", "later date", "give me until", "give me till",
	"hold on the payment", "delay my payment", "delay the payment",
	"delay paying", "extra days", "extra week", "extra weeks",
	"deferral", "push the date", "date back", "wait a bit",
	"can it wait", "push it back", "delay it", NULL,
	"afford", "struggle", "struggling", "hardship", "tight", "short",
	"trouble", "financial", "financially", "payday", "paycheck",
	"salary", "unemployed", "job", "difficulty", "difficulties",
	"behind", "fell behind", "catch up", "catching up", "arrears",
	"money is tight", "moneys tight", "cant afford", "lost my job",
	"laid off", "redundant", "medical bills", "out of work",
	"on benefits", "pension", "broke", "skint", "hard times",
	"tough time", "tough times", "hard up", "universal credit",
	"hospital", "mess with money", "short this month", "be short",
	"ill be short", "only manage", "can only manage",
	"sort something out", "work something out", "come to an arrangement",
	"late paying", "be late paying", "have the money by",
	"ill have the money", "cutting me off", "havent got it",
	"cost of living", "leeway", "off sick", "not earning", "cash flow",
	"one lump", "lump sum", "cant cover", "pay weekly", NULL,
	"agent", "representative", "rep", "employee", "staff", "person",
	"operator", "advisor", "adviser", "associate", "guy", "lady",
	"woman", "man", "colleague", "worker", "consultant", "reps",
	"employees", "staffer", "lady", "gentleman", "girl", "fellow",
	"whoever", "technician", "clerk", "assistant", "team member",
	"support", "your team", "your people", "your staff", "your agents",
	"call centre", "call center", "sales guy", "salesman", "saleswoman",
	"salesperson", "engineer", "installer", "agents", "fella", "bloke",
	"chap", "someone called", "on your line", NULL,
	"rude", "impolite", "disrespectful", "unprofessional", "dismissive",
	"condescending", "nasty", "hostile", "arrogant", "insulting",
	"yelled", "shouted", "hung up", "hang up", "attitude", "unhelpful",
	"ignored", "abrupt", "snappy", "sarcastic", "aggressive",
	"belittling", "patronising", "patronizing", "laughed", "mocked",
	"swore", "cursed", "raised voice", "disconnected me", "cut off",
	"treated", "mistreated", "unpleasant", "impatient", "useless",
	"clueless", "incompetent", "careless", "didnt listen",
	"doesnt listen", "wouldnt listen", "not listening", "script",
	"robotic", "talked down", "talking down", "talk down",
	"short with me", "wasting her time", "wasting his time",
	"wasting my time", "embarrassing", "shouting", "screaming", "lied",
	"lying", "misled", "uncaring", "didnt care", "dont care",
	"couldnt care", "horrible", "awful service", "terrible service",
	"poor service", "bad service", "bad attitude", "poor attitude",
	"behaviour", "behavior", "manners", "rudely", "rudeness", "no clue",
	"talked over", "talking over", "talks over", "interrupted",
	"interrupting", "disgusting", "appalling", "vile", "his name",
	"her name", "put the phone down", "phone down on me",
	"put the receiver down", "receiver down", "laughed at me",
	"couldnt be bothered", "cant be bothered", "different things",
	"had a clue", NULL,
	"complain", "complaint", "grievance", "feedback", "formal complaint",
	"escalate", "report them", "lodge", NULL,
	"card", "visa", "mastercard", "amex", "debit", "credit card",
	"cards", "credit cards", "debit cards", "discover", "card number",
	"card details", "new card", "replacement card", "my card",
	"credit card details", "expiry date", NULL,
	"expire", "expired", "expiring", "expiration", "expiry", "old",
	"outdated", "expires", "out of date", "no longer valid", "invalid",
	"cancelled card", "runs out", "run out",
	"running out", "ran out", "ends this month", "no longer works",
	"stopped working card", "renewed card", "reissued", "new expiry",
	NULL,
	"bank", "paypal", "direct debit", "autopay", "bank account",
	"savings", "iban", "routing", "apple pay", "google pay", "wire",
	"changed banks", "switched banks", "new bank", "change banks",
	"sort code", "routing number", "automatically", "automatic",
	"automatic payments", "standing order", "cheque", "cheques",
	"check payment", "bank details", "payment details", "payment method",
	"payment info", "billing details", "paying by", "checking account",
	"take the money from", "take payment from", "take it from",
	"come out of", "comes out of", "coming out of", "on file", "plastic",
	"bounced", "payment bounced", "how i pay", "way i pay",
	"move my direct debit", "his details", "her details",
	"come from the", "should come from", NULL,
	"open", "create", "start", "setup", "set up", "establish",
	"register", "join", "sign up", "signup", "enroll", "enrol", "begin",
	"become", "sign", "opening", "signing up", "onboard", "get started",
	"new customer", "subscribe", "application", "get connected",
	"connected", "new to the area", "just moved in",
	"moved into the area", "never had service", "not a customer",
	"not with you", "switch to you", "move to you", "come over",
	"coming over", "switch over", "switching over", "move over",
	"take out", "get service", "get set up", "getting set up",
	"sign me up", "new line", "new connection", "first time", "join you",
	"second account", "another account", "separate account",
	"business account", "joint account", "get a contract",
	"never been with you", "never had anything with you", "get on board",
	"on board", "referred me", "referred", "recommended you",
	"own contract", "own account", "interested in getting",
	"interested in joining", "bad credit", "credit check",
	"credit score", "good credit", "advert", "your advert", "your ad",
	"saw your", "own line", "my own line", "credit history",
	"without credit", "own phone", "my own phone", "own deal",
	"from scratch", "switching to you", "with your firm", "come to live",
	NULL,
	"account", "profile", NULL,
	"new", "fresh", "another", NULL,
	"customer", "client", "member", NULL,
	"balance", "owe", "outstanding", "remaining", "total", "due",
	"owing", "figure", "how much", "amount due", "amount owed",
	"paid up", "bottom line", "sum", "in credit", "in the red",
	"in debit", "overdrawn", "deadline", "due date", "whats left",
	"left to pay", "still owe", "the damage", "what do i owe",
	"what i owe", "how much do", "pay off", "payoff", "settle up",
	"remaining balance", "current balance", "account balance",
	"statement balance", "have to pay", "need to pay", "read me",
	"take the money", "be taking", "taking from me", "all clear",
	"up to date", "what the amount", "credit left",
	"credit on my account", "how much will", "how much is it",
	"this time round", "all square", "to clear", "anything left",
	"left to settle", "come out", "comes out", "coming out", "unpaid",
	"still unpaid", "currently at", "am i at", "how much credit",
	"be paying", "leave me at", "leaves me at", "sitting on there",
	"what will it be", "be in by", "sitting at", "figure i need",
	"the total", "got to find", "by when", "go out each",
	"leave me with", "leaves me with", "that leave me", NULL,
	"fraud", "fraudulent", "unauthorized", "unauthorised", "stolen",
	"steal", "stole", "scam", "scammed", "hacked", "hack", "suspicious",
	"unrecognized", "recognise", "recognize", "theft", "compromised",
	"authorize", "authorise", "permission", "consent", "unauthorised",
	"stole", "identity theft", "impersonation", "pretending", "phishing",
	"someone else", "breach", "compromise", "skimmed", "cloned",
	"someone", "somebody", "stranger", "in my name", "never approved",
	"not approved", "didnt approve", "wasnt me", "not me", "never made",
	"never placed", "didnt place", "didnt make", "another country",
	"abroad", "overseas", "unknown device", "device i dont",
	"new device", "strange login", "login alert", "alert", "alerts",
	"snatched", "mugged", "robbed", "pickpocket", "pickpocketed",
	"nicked", "pinched", "wallet", "purse", "fake", "dodgy", "spoof",
	"spoofed", "say so", "behind my back", "without asking",
	"without my knowledge", "taken from my account", "money gone",
	"money missing", "emptied", "clicked", "clicked on", "dodgy link",
	"suspicious email", "email asking", "text asking", "asking for my",
	"asked for my", "moneys gone", "using my details", "using my card",
	"used my details", "used my account", "using my account",
	"using my identity", "didnt do it", "didnt do that", "never did",
	"got hold of", "buying stuff", "never been there", "sign in from",
	"login from", "log in from", "logged in from", "ported", "sim swap",
	"sim swapped", "ported my number", "ported away", "identity stolen",
	"someone else changed", "somebody else changed", "posing as",
	"posing", "never sent", "never touched", "money going out",
	"someones got into", "somebodys got into", "someone got into",
	"got into my account", "got into my profile", "never even been",
	"none of us made", "arent me", "isnt me", "taken over",
	"been taken over", "running up", "swapped the login", NULL,
	"lost", "missing", "misplaced", "lose", "gone", "disappeared", NULL,
	"money", "cash", "funds", "dollars", "pounds", "euros", "quid",
	"bucks", NULL,
	"speak", "talk", "chat", NULL,
	"manager", "supervisor", "boss", NULL,
	"slow", "sluggish", "crawl", "lag", "lagging", NULL,
	"phone", "mobile", "cell", "handset", NULL,
	"price", "cost", "rate", "expensive", "cheap", "cheaper", NULL,
	"month", "monthly", "end of the month", "end of month",
	"end of this month", "end of next month", "before the end",
	"by the end", "end of the week", "end of the year", "end of the day",
	NULL,
	"email", "e-mail", "post", "paperwork", "letters",
	"correspondence", "inbox", NULL,
	/* concepts no intent has: talk around a request, and small talk;
	 * they count as words no intent knows, so such talk reads as none */
	"can someone", "could someone", "can somebody", "could somebody",
	"someone to look", "someone look", NULL,
	"breaking up", "cant hear you", "say that again", "repeat that",
	"someones at the door", "at the door", "bank holiday",
	"bank holidays", "post office", "high street", "lunch break",
	"on my bike", "on his bike", "on her bike", "the kettle", "kettle",
	"the football", "the weather", "real person", "a robot",
	"are you based", "is based", "apply for a job", "for a job",
	"maternity leave", "council tax", "opening hours", "opening times",
	"the chemist", "the supermarket", "swimming pool", "open on sundays",
	"open on sunday", "open on saturdays", "open on weekends",
	"open at weekends", "open on bank", "barely hear", "cant hear",
	"thanks for being patient", "being patient", "pouring down",
	"chucking it down", "raining", "heatwave", "nice out",
	"traffic lights", "traffic", "motorway", "the bus", "bus", "quiz",
	"toddler", "little one", "the garden", "baby", "hospice", "car park",
	"hold on a minute",
	/* other senses of words that name a request: "down" as written
	 * down or down the road, "end" as a side, "close" as opening
	 * hours, "leave" as going away, a house as where things happen */
	"our end", "my end", "her end", "his end", "their end", "north end",
	"south end", "east end", "west end", "wrote down", "write down",
	"written down", "writing down", "write it down", "wrote it down",
	"up and down", "down the road", "down the street", "down here",
	"down there", "turn it down", "turn down", "down the pub",
	"up north", "down south", "calm down", "sit down", "water pressure",
	"details down", "address book", "head office", "office address",
	"lost my balance", "lose my balance", "losing my balance",
	"keep my balance", "lost his balance", "lost her balance",
	"before i leave", "before we leave", "i leave for", "we leave for",
	"to the hospital", "past the hospital", "for the hospital",
	"road closed", "roads closed", "road is closed", "close on sundays",
	"close on sunday", "close at", "closes at", "closing time",
	"what time do you close", "in the house", "in this house",
	"in our house", "round the house", "through the house",
	"her house", "his house", "mums house", "mothers house",
	"dads house", "curry house", "wrote that down", "written that down",
	"write that down", "talking to someone else",
	"talking to somebody else", "for this call", NULL,
	NULL,
};

static const char *const stopwords[] = {
	"a", "about", "am", "an", "and", "any", "are", "as", "at", "be",
	"been", "being", "but", "by", "can", "could", "did", "do", "does",
	"doing", "for", "from", "get", "got", "had", "has", "have", "having",
	"he", "her", "hers", "him", "his", "hello", "hi", "i", "id", "if",
	"ill", "im", "in", "into", "is", "it", "its", "ive", "just", "let",
	"lets", "me", "mine", "my", "myself", "need", "now", "of", "ok",
	"okay", "on", "or", "our", "ours", "please", "she", "so", "some",
	"that", "thats", "the", "their", "them", "then", "there", "theres",
	"these", "they", "this", "those", "to", "too", "uh", "um", "up",
	"us", "was", "we", "were", "what", "whats", "which", "who", "will",
	"with", "would", "you", "your", "guys", "youre", "yours", "want", "like",
	"would", "wanna", "gonna", "going", "go", "could", "should",
	"also", "there", "here", "yes", "yeah", "well", "hey", "thanks",
	"thank", "something", "anything", "everything", "one",
	"been", "again", "still", "really", "very", "actually", "today",
	"know", "tell", "help", "sure", "way", "out", "all",
	"how", "why", "when", "where", "after", "before", "over", "off",
	"than", "only", "same", "own", "such", "each", "other", "because",
	"while", "until", "through", "during", "above", "below", "between",
	NULL,
};

static const char *const negators[] = {
	"not", "no", "never", "dont", "doesnt", "didnt", "cant", "cannot",
	"wont", "isnt", "wasnt", "arent", "werent", "havent", "hasnt",
	"hadnt", "couldnt", "shouldnt", "wouldnt", "aint", "nothing",
	"nobody", "nor", "neither", "without", "hardly", "barely", "unable",
	NULL,
};

static const struct {
	const char *w;
	double f;
} intensifiers[] = {
	{"very", 1.5}, {"really", 1.4}, {"so", 1.3}, {"extremely", 1.8},
	{"incredibly", 1.7}, {"absolutely", 1.6}, {"totally", 1.5},
	{"completely", 1.5}, {"utterly", 1.7}, {"super", 1.5},
	{"too", 1.3}, {"truly", 1.4}, {"seriously", 1.5}, {"highly", 1.4},
	{"most", 1.4}, {"bit", 0.6}, {"slightly", 0.5}, {"somewhat", 0.6},
	{"kinda", 0.6}, {"fairly", 0.8}, {"quite", 1.2}, {"pretty", 1.2},
	{NULL, 0},
};

/* valence -1..1; negative words a little stronger, as callers mean them */
static const struct {
	const char *w;
	double v;
} valence[] = {
	{"good", 0.6}, {"great", 0.8}, {"excellent", 0.9},
	{"amazing", 0.9}, {"awesome", 0.9}, {"fantastic", 0.9},
	{"wonderful", 0.9}, {"perfect", 0.8}, {"happy", 0.7},
	{"glad", 0.6}, {"pleased", 0.6}, {"satisfied", 0.6},
	{"love", 0.8}, {"nice", 0.5}, {"helpful", 0.6},
	{"thanks", 0.4}, {"thank", 0.4}, {"appreciate", 0.6},
	{"grateful", 0.7}, {"fine", 0.3}, {"easy", 0.4}, {"quick", 0.3},
	{"fast", 0.3}, {"resolved", 0.5}, {"solved", 0.5}, {"fixed", 0.4},
	{"brilliant", 0.9}, {"lovely", 0.7}, {"kind", 0.5},
	{"polite", 0.5}, {"friendly", 0.6}, {"delighted", 0.9},
	{"relieved", 0.5}, {"impressed", 0.7}, {"smooth", 0.4},
	{"reliable", 0.5}, {"fair", 0.3}, {"best", 0.7}, {"better", 0.4},
	{"works", 0.2}, {"recommend", 0.5}, {"calm", 0.3},
	{"bad", -0.6}, {"terrible", -0.9}, {"horrible", -0.9},
	{"awful", -0.9}, {"worst", -1.0}, {"worse", -0.7},
	{"poor", -0.6}, {"angry", -0.8}, {"furious", -1.0},
	{"mad", -0.7}, {"upset", -0.7}, {"annoyed", -0.6},
	{"annoying", -0.6}, {"frustrated", -0.7}, {"frustrating", -0.7},
	{"disappointed", -0.7}, {"disappointing", -0.7},
	{"unhappy", -0.7}, {"sad", -0.5}, {"hate", -0.9},
	{"ridiculous", -0.8}, {"unacceptable", -0.9},
	{"useless", -0.8}, {"pathetic", -0.9}, {"disgusting", -0.9},
	{"disgrace", -0.9}, {"outrageous", -0.9}, {"rude", -0.7},
	{"incompetent", -0.8}, {"nightmare", -0.8}, {"joke", -0.5},
	{"scam", -0.8}, {"rip", -0.5}, {"ripoff", -0.8},
	{"problem", -0.3}, {"issue", -0.2}, {"wrong", -0.4},
	{"broken", -0.5}, {"fail", -0.5}, {"failed", -0.5},
	{"failure", -0.6}, {"waste", -0.6}, {"wasted", -0.6},
	{"sick", -0.6}, {"tired", -0.5}, 
	{"complain", -0.4}, {"complaint", -0.4}, {"lousy", -0.7},
	{"slow", -0.4}, {"late", -0.3}, 
	{"stupid", -0.8}, {"damn", -0.6}, {"hell", -0.5},
	{"crap", -0.7}, {"shit", -0.8}, {"sucks", -0.8},
	{"suck", -0.8}, {"mess", -0.6}, {"disaster", -0.9},
	{"unreliable", -0.6}, {"overcharged", -0.5}, {"cheated", -0.8},
	{"lied", -0.8}, {"lie", -0.6}, {"liar", -0.9}, {"shocking", -0.8},
	{"appalling", -0.9}, {"dreadful", -0.9}, 
	{"sorry", -0.1}, {"unfortunately", -0.3}, {"worried", -0.5},
	{"concerned", -0.3}, {"confused", -0.3}, {"difficult", -0.3},
	{"hard", -0.2}, {"impossible", -0.6}, {"unhelpful", -0.7},
	{"ignored", -0.6}, {"shouted", -0.6}, {"yelled", -0.6},
	{"threaten", -0.6}, {"lawyer", -0.5}, {"sue", -0.6},
	{"furiously", -0.9}, {"livid", -1.0}, {"enraged", -1.0},
	{NULL, 0},
};

enum {
	KIND_STOP = 1,
	KIND_NEGATOR = 2,
	KIND_INTENSIFIER = 4,
};

struct entry {
	char key[2 * NBA_WORD];
	const char *concept;
	double v;
	unsigned kind;
	size_t at;               /* synonyms: its place in the table */
};

static struct {
	bool ready;
	struct entry syn[sizeof(synonyms) / sizeof(synonyms[0])];
	size_t nsyn;
	size_t dead;             /* entries that never match as written */
	struct entry val[sizeof(valence) / sizeof(valence[0])];
	size_t nval;
	/* function words, as written: stop, negator, intensifier */
	struct entry fn[sizeof(stopwords) / sizeof(stopwords[0]) +
			sizeof(negators) / sizeof(negators[0]) +
			sizeof(intensifiers) / sizeof(intensifiers[0])];
	size_t nfn;
} L;


static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key,
		      ((const struct entry *)b)->key);
}


static int cmp_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->at > y->at) - (x->at < y->at);
}


/* stems each word of a phrase: "signing up" -> "sign up"; a hyphen parts
 * words as the tokenizer does ("wi-fi" -> "wi fi"). False when the phrase
 * could never match what the tokenizer makes: more than NBA_PHRASE
 * words, or longer than dst */
static bool stem_phrase(char *dst, size_t sz, const char *phrase)
{
	char w[NBA_WORD];
	size_t n = 0, words = 0;
	bool fits = true;

	dst[0] = '\0';
	while (*phrase) {
		size_t len = strcspn(phrase, " -");

		if (len >= NBA_WORD)
			len = NBA_WORD - 1;
		memcpy(w, phrase, len);
		w[len] = '\0';
		nba_stem(w);
		++words;
		fits &= n + !!n + strlen(w) < sz;
		if (n && n + 1 < sz)
			dst[n++] = ' ';
		for (const char *p = w; *p && n + 1 < sz; p++)
			dst[n++] = *p;
		dst[n] = '\0';
		phrase += len;
		while (*phrase == ' ' || *phrase == '-')
			++phrase;
	}

	return fits && words <= NBA_PHRASE;
}


static void fn_add(const char *w, unsigned kind, double f)
{
	struct entry *e = NULL;

	for (size_t i = 0; i < L.nfn && !e; i++)
		if (!strcmp(L.fn[i].key, w))
			e = &L.fn[i];
	if (!e) {
		e = &L.fn[L.nfn++];
		snprintf(e->key, sizeof(e->key), "%s", w);
	}
	e->kind |= kind;
	if (kind & KIND_INTENSIFIER)
		e->v = f;
}


static void init(void)
{
	const char *concept = NULL;
	size_t n = 0;

	if (L.ready)
		return;

	for (size_t i = 0; i + 1 < sizeof(synonyms) / sizeof(synonyms[0]);
	     i++) {
		struct entry *e;

		if (!synonyms[i]) {
			concept = NULL;
			continue;
		}
		if (!concept)
			concept = synonyms[i];

		e = &L.syn[L.nsyn];
		L.dead += !stem_phrase(e->key, sizeof(e->key), synonyms[i]);
		e->concept = concept;
		e->at = L.nsyn++;
	}

	/* by stem, then by place: of the entries sharing a stem the first
	 * in the table stays (its group wins); another form of a word of
	 * the same group is fine, of another group a slip */
	qsort(L.syn, L.nsyn, sizeof(L.syn[0]), cmp_first);
	for (size_t i = 0; i < L.nsyn; i++) {
		if (n && !strcmp(L.syn[n - 1].key, L.syn[i].key)) {
			L.dead += L.syn[i].concept != L.syn[n - 1].concept;
			continue;
		}
		L.syn[n++] = L.syn[i];
	}
	L.nsyn = n;

	for (size_t i = 0; valence[i].w; i++) {
		struct entry *e = &L.val[L.nval];
		bool dup = false;

		stem_phrase(e->key, sizeof(e->key), valence[i].w);
		for (size_t j = 0; j < L.nval; j++)
			if (!strcmp(L.val[j].key, e->key))
				dup = true;
		if (dup)
			continue;
		e->v = valence[i].v;
		++L.nval;
	}
	qsort(L.val, L.nval, sizeof(L.val[0]), cmp_entry);

	for (size_t i = 0; stopwords[i]; i++)
		fn_add(stopwords[i], KIND_STOP, 0);
	for (size_t i = 0; negators[i]; i++)
		fn_add(negators[i], KIND_NEGATOR, 0);
	for (size_t i = 0; intensifiers[i].w; i++)
		fn_add(intensifiers[i].w, KIND_INTENSIFIER, intensifiers[i].f);
	qsort(L.fn, L.nfn, sizeof(L.fn[0]), cmp_entry);

	L.ready = true;
}


static const struct entry *find(const struct entry *tab, size_t n,
				const char *key)
{
	struct entry k;

	if (strlen(key) >= sizeof(k.key))
		return NULL;
	strcpy(k.key, key);

	return bsearch(&k, tab, n, sizeof(*tab), cmp_entry);
}


const char *nba_lex_concept(const char *stem)
{
	const struct entry *e;

#ifdef NBA_NO_SYNONYMS   /* for measuring what the table is worth */
	return NULL;
#endif

	init();
	e = find(L.syn, L.nsyn, stem);

	return e ? e->concept : NULL;
}


size_t nba_lex_dead(void)
{
	init();
	return L.dead;
}


double nba_lex_valence(const char *stem, bool *found)
{
	const struct entry *e;

	init();
	e = find(L.val, L.nval, stem);
	*found = e != NULL;

	return e ? e->v : 0;
}


bool nba_lex_stop(const char *word)
{
	const struct entry *e;

	init();
	e = find(L.fn, L.nfn, word);

	return e && e->kind & KIND_STOP;
}


bool nba_lex_negator(const char *word)
{
	const struct entry *e;

	init();
	e = find(L.fn, L.nfn, word);

	return e && e->kind & KIND_NEGATOR;
}


double nba_lex_intensity(const char *word)
{
	const struct entry *e;

	init();
	e = find(L.fn, L.nfn, word);

	return e && e->kind & KIND_INTENSIFIER ? e->v : 0;
}
