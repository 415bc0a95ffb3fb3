//! Self-written test sentences, each with what the human-request, high-risk and frustration
//! detectors should say about it. One table per round instead of one copy per detector, so a
//! sentence and its three expectations stay together and a new sentence is labelled for all
//! three at once.
use super::{frustration, high_risk, human_request};
use crate::normalize::Analysis;

/// (message, asks for a human, high risk, frustrated)
type Row = (&'static str, bool, bool, bool);

/// A sentence only some detectors' tables held: `None` is a detector it is not checked
/// against (it never was).
type Partial = (&'static str, Option<bool>, Option<bool>, Option<bool>);

/// What the three detectors say about one message, each on a fresh analysis as its own
/// tests did (high risk at a 100 refund threshold).
fn detectors_say(text: &str) -> [bool; 3] {
    [
        human_request::find(&Analysis::new(text)).is_some(),
        high_risk::find(&Analysis::new(text), 100.0).is_some(),
        frustration::mood(&Analysis::new(text)).anger >= frustration::THRESHOLD,
    ]
}

/// Checks every row and every partial row, and lists all mismatches at once.
fn check(table: &[Row], partial: &[Partial]) {
    let full = table
        .iter()
        .map(|&(text, human, risk, angry)| (text, [Some(human), Some(risk), Some(angry)]));
    let partial = partial
        .iter()
        .map(|&(text, human, risk, angry)| (text, [human, risk, angry]));
    let mut wrong = Vec::new();
    for (text, want) in full.chain(partial) {
        let got = detectors_say(text);
        for ((detector, want), got) in ["human_request", "high_risk", "frustration"]
            .into_iter()
            .zip(want)
            .zip(got)
        {
            if want.is_some_and(|want| want != got) {
                wrong.push(format!("{text:?}: {detector} want {want:?}, got {got}"));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// Held-out style sentences written for these tests (not from the dev data), in all
/// seven languages, positives and hard negatives mixed.
const MIXED_MESSAGES: &[Row] = &[
    (
        "Could you escalate my case to a team leader?",
        true,
        false,
        false,
    ),
    (
        "I'd prefer to deal with a person on this one",
        true,
        false,
        false,
    ),
    ("transfer to live chat agent", true, false, false),
    ("ok let me talk to your colleague then", true, false, false),
    (
        "I'm an insurance agent, do you offer group plans?",
        false,
        false,
        false,
    ),
    ("great, thanks for the help!", false, false, false),
    (
        "my agent at the bank said I should ask you",
        false,
        false,
        false,
    ),
    ("oye, ¿me pasas con alguien que sepa?", true, false, false),
    ("prefiero tratarlo con una persona", true, false, false),
    ("que me llame alguien de soporte, porfa", true, false, false),
    (
        "no quiero hablar con nadie, solo dime el precio",
        false,
        false,
        false,
    ),
    ("el técnico vino ayer y lo arregló", false, false, false),
    (
        "je voudrais avoir quelqu'un au bout du fil",
        true,
        false,
        false,
    ),
    ("rappelez-moi svp, c'est urgent", true, false, false),
    (
        "mettez-moi en relation avec le service réclamations",
        true,
        false,
        false,
    ),
    (
        "pas la peine de me rappeler, tout est réglé",
        false,
        false,
        false,
    ),
    (
        "le technicien est passé ce matin, merci",
        false,
        false,
        false,
    ),
    (
        "ich will jetzt sofort einen Ansprechpartner",
        true,
        false,
        false,
    ),
    (
        "Bitte leiten Sie mich an die Buchhaltung weiter",
        true,
        false,
        false,
    ),
    (
        "gibt es jemanden, mit dem ich reden kann?",
        true,
        false,
        false,
    ),
    ("Danke, der Techniker war schon da", false, false, false),
    ("Ich brauche keinen Rückruf", false, false, false),
    ("quero conversar com um humano", true, false, false),
    ("me coloca em contato com o gerente", true, false, false),
    ("alguém pode me atender?", true, false, false),
    ("não precisa me ligar, obrigado", false, false, false),
    ("voglio parlare con una persona vera", true, false, false),
    ("mi fate chiamare da un tecnico?", true, false, false),
    ("posso avere un operatore al telefono?", true, false, false),
    ("il tecnico è passato stamattina", false, false, false),
    ("ik wil iemand aan de telefoon", true, false, false),
    (
        "verbind me door met een mens alsjeblieft",
        true,
        false,
        false,
    ),
    (
        "kan ik een medewerker spreken over mijn factuur?",
        true,
        false,
        false,
    ),
    ("je hoeft me niet te bellen", false, false, false),
    (
        "I'd like a refund for the flight, it was £780",
        false,
        true,
        false,
    ),
    ("terminate my contract effective today", false, true, false),
    (
        "remove my card details from your system and delete my profile",
        false,
        true,
        false,
    ),
    ("my account has been compromised", false, true, false),
    (
        "I didn't authorise this payment of 55 dollars",
        false,
        true,
        false,
    ),
    (
        "please transfer ownership of the account to my wife",
        false,
        true,
        false,
    ),
    (
        "can I get a refund of 20 euros for the late delivery?",
        false,
        false,
        false,
    ),
    ("do you offer refunds on sale items?", false, false, false),
    ("quiero darme de baja del servicio", false, true, false),
    ("devuélvanme los 1.200 pesos", false, true, false),
    ("alguien hackeó mi cuenta", false, true, false),
    ("¿cuál es su política de devoluciones?", false, false, false),
    (
        "annulez ma commande, je l'ai déjà payée",
        false,
        true,
        false,
    ),
    ("je conteste ce prélèvement de 230 €", false, true, false),
    ("quelqu'un a piraté mon compte", false, true, false),
    (
        "comment annuler une commande moi-même ?",
        false,
        false,
        false,
    ),
    (
        "Ich möchte meine Mitgliedschaft kündigen",
        false,
        true,
        false,
    ),
    (
        "Bitte überweisen Sie mir die 700 Euro zurück",
        false,
        true,
        false,
    ),
    (
        "Jemand hat mein Passwort geändert, ich komme nicht mehr rein",
        false,
        true,
        false,
    ),
    (
        "Wie kann ich meine Bestellung stornieren?",
        false,
        false,
        false,
    ),
    ("quero cancelar meu plano", false, true, false),
    ("devolvam meu dinheiro, 400 reais", false, true, false),
    ("recebi uma cobrança que não fiz", false, true, false),
    ("qual é a política de reembolso?", false, false, false),
    ("voglio chiudere il conto", false, true, false),
    ("restituitemi i 500 euro", false, true, false),
    (
        "qualcuno ha usato la mia carta senza permesso",
        false,
        true,
        false,
    ),
    ("qual è la politica di reso?", false, false, false),
    ("ik wil mijn lidmaatschap opzeggen", false, true, false),
    ("stort de 250 euro terug", false, true, false),
    ("iemand heeft ingelogd op mijn account", false, true, false),
    ("wat is jullie retourbeleid?", false, false, false),
    ("honestly this is a joke, nothing works", false, false, true),
    ("are you kidding me?? AGAIN??", false, false, true),
    ("I've had it with your useless app", false, false, true),
    ("unacceptable. I'm furious.", false, false, true),
    (
        "sorry if this is a dumb question, how do I log in?",
        false,
        false,
        false,
    ),
    ("qué desastre de empresa, de verdad", false, false, true),
    ("ya estoy harto, siempre lo mismo", false, false, true),
    ("disculpa, ¿cuándo llega mi pedido?", false, false, false),
    (
        "c'est honteux, personne ne répond jamais",
        false,
        false,
        true,
    ),
    ("vous vous moquez de moi ?!", false, false, true),
    (
        "excusez-moi, une petite question sur ma facture",
        false,
        false,
        false,
    ),
    ("das ist doch lächerlich!!", false, false, true),
    ("ich bin stinksauer auf euren Laden", false, false, true),
    (
        "sorry für die Störung, kurze Frage zur Lieferung",
        false,
        false,
        false,
    ),
    ("que palhaçada é essa?", false, false, true),
    ("já estou cansado de reclamar", false, false, true),
    ("com licença, qual o prazo de entrega?", false, false, false),
    ("ma state scherzando?!", false, false, true),
    ("basta, mi avete stancato", false, false, true),
    ("scusa, quando arriva il pacco?", false, false, false),
    ("wat een schande dit", false, false, true),
    ("ik word hier gek van", false, false, true),
    (
        "excuses voor de vraag, wanneer komt mijn pakket?",
        false,
        false,
        false,
    ),
    (
        "look, I appreciate the bot, but this needs a human touch. who can I speak with?",
        true,
        false,
        false,
    ),
    (
        "Is it possible for one of your specialists to give me a ring tomorrow morning?",
        true,
        false,
        false,
    ),
    (
        "SERIOUSLY just connect me to someone already",
        true,
        false,
        true,
    ),
    (
        "I need a member of your team to help me close my late father's account",
        true,
        true,
        false,
    ),
    (
        "your agent Maria was lovely on the phone yesterday, just confirming the delivery date",
        false,
        false,
        false,
    ),
    (
        "we're a travel agency, can we book group tickets through you?",
        false,
        false,
        false,
    ),
    (
        "that's the last straw, I'm cancelling my subscription today",
        false,
        true,
        true,
    ),
    (
        "wow, just wow. another week without hot water",
        false,
        false,
        true,
    ),
    (
        "there are two withdrawals from my account I never made, total $900",
        false,
        true,
        false,
    ),
    (
        "my refund of $45 came through, thanks!",
        false,
        false,
        false,
    ),
    (
        "¿Habría alguna forma de hablar directamente con un gestor?",
        true,
        false,
        false,
    ),
    (
        "me gustaría que un técnico me llamara para revisar la instalación",
        true,
        false,
        false,
    ),
    (
        "mi gestor del banco me dijo que os escribiera",
        false,
        false,
        false,
    ),
    (
        "por favor, eliminad mi perfil y todos mis datos",
        false,
        true,
        false,
    ),
    (
        "vaya servicio más malo, tres días esperando y ni una respuesta",
        false,
        false,
        true,
    ),
    (
        "cámbienme el IBAN de la domiciliación, por favor",
        false,
        true,
        false,
    ),
    (
        "J'aimerais être recontacté par un conseiller clientèle",
        true,
        false,
        false,
    ),
    (
        "je souhaite résilier mon forfait mobile",
        false,
        true,
        false,
    ),
    (
        "bon sang, ça fait trois fois que je vous explique !",
        false,
        false,
        true,
    ),
    (
        "mon conseiller bancaire m'a dit de vous contacter pour la facture",
        false,
        false,
        false,
    ),
    (
        "remboursez-moi les 150 euros, le produit est défectueux",
        false,
        true,
        false,
    ),
    (
        "Könnte mich ein Kollege aus dem Vertrieb zurückrufen?",
        true,
        false,
        false,
    ),
    (
        "Ich möchte mein Abo zum nächstmöglichen Termin kündigen",
        false,
        true,
        false,
    ),
    (
        "Zum dritten Mal: Die Lieferung ist unvollständig!",
        false,
        false,
        true,
    ),
    (
        "mein Berater bei der Bank hat gesagt, ich soll mich hier melden",
        false,
        false,
        false,
    ),
    (
        "Auf meiner Kreditkarte ist eine Zahlung über 320 €, die ich nicht autorisiert habe",
        false,
        true,
        false,
    ),
    (
        "dá pra falar com algum atendente de carne e osso?",
        true,
        false,
        false,
    ),
    ("quero encerrar minha conta", false, true, false),
    (
        "que serviço horrível, ninguém resolve nada",
        false,
        false,
        true,
    ),
    (
        "o atendente de ontem foi muito educado, obrigado",
        false,
        false,
        false,
    ),
    (
        "troquem o e-mail de login da minha conta, por favor",
        false,
        true,
        false,
    ),
    (
        "sarebbe possibile parlare con un addetto?",
        true,
        false,
        false,
    ),
    ("vorrei disdire il contratto della luce", false, true, false),
    (
        "siete proprio dei dilettanti, tre settimane per una consegna",
        false,
        false,
        true,
    ),
    (
        "il mio consulente finanziario mi ha consigliato di scrivervi",
        false,
        false,
        false,
    ),
    ("voglio che mi restituiate i 180 euro", false, true, false),
    (
        "graag contact met een klantenservicemedewerker",
        true,
        false,
        false,
    ),
    ("ik wil mijn account laten verwijderen", false, true, false),
    (
        "dit is al de derde keer dat ik bel, schandalig",
        false,
        false,
        true,
    ),
    (
        "mijn adviseur bij de bank zei dat ik jullie moest mailen",
        false,
        false,
        false,
    ),
    (
        "er is geld van mijn rekening gehaald zonder dat ik iets gekocht heb",
        false,
        true,
        false,
    ),
    (
        "hey quick one - is there somebody in sales i could have a word with about bulk pricing?",
        true,
        false,
        false,
    ),
    (
        "pls get a human on this, the answers dont match my problem",
        true,
        false,
        false,
    ),
    (
        "do you have humans working weekends or is it all automated?",
        false,
        false,
        false,
    ),
    (
        "I used to work as a support agent myself haha, anyway where's my invoice",
        false,
        false,
        false,
    ),
    ("I DEMAND TO SPEAK TO YOUR SUPERVISOR", true, false, true),
    (
        "hi, please stop my monthly plan and close the account, moving overseas",
        false,
        true,
        false,
    ),
    (
        "so I've now wasted my whole lunch break on this chat. brilliant.",
        false,
        false,
        true,
    ),
    (
        "I wasn't the one who bought those AirPods on my card last night",
        false,
        true,
        false,
    ),
    (
        "buenas, ¿podría hablar con alguien del departamento comercial?",
        true,
        false,
        false,
    ),
    (
        "llevo media hora aquí y nada, qué pérdida de tiempo",
        false,
        false,
        true,
    ),
    (
        "quiero anular el pedido 4452, ya está pagado",
        false,
        true,
        false,
    ),
    (
        "mi hermano trabaja de agente de seguros y me recomendó esta tienda",
        false,
        false,
        false,
    ),
    (
        "bonjour, je souhaiterais qu'un technicien me contacte pour l'installation",
        true,
        false,
        false,
    ),
    (
        "encore raté, franchement vous êtes des guignols",
        false,
        false,
        true,
    ),
    (
        "je voudrais fermer définitivement mon compte client",
        false,
        true,
        false,
    ),
    (
        "c'est possible de parler de la garantie ici ?",
        false,
        false,
        false,
    ),
    (
        "hallo, kann ich bitte jemanden vom Support sprechen?",
        true,
        false,
        false,
    ),
    (
        "langsam platzt mir echt der Kragen mit euch",
        false,
        false,
        true,
    ),
    (
        "Bitte erstatten Sie mir den vollen Kaufpreis zurück",
        false,
        true,
        false,
    ),
    (
        "Mein Kollege hat die Bestellung aufgegeben, wann kommt sie?",
        false,
        false,
        false,
    ),
    (
        "olá, preciso falar com um responsável da loja",
        true,
        false,
        false,
    ),
    (
        "mais uma vez sem internet, vocês são uma piada",
        false,
        false,
        true,
    ),
    ("quero o estorno da compra de 350 reais", false, true, false),
    (
        "meu chefe pediu a nota fiscal em nome da empresa",
        false,
        false,
        false,
    ),
    (
        "buongiorno, mi passate l'ufficio reclami?",
        true,
        false,
        false,
    ),
    ("ancora niente, siete ridicoli", false, false, true),
    (
        "vi chiedo di cancellare il mio account e tutti i miei dati",
        false,
        true,
        false,
    ),
    (
        "il mio capo vuole la fattura intestata alla ditta",
        false,
        false,
        false,
    ),
    (
        "goedemiddag, ik wil graag iemand spreken over mijn contract",
        true,
        false,
        false,
    ),
    (
        "ongelofelijk, weer niet geleverd. wat een zooi",
        false,
        false,
        true,
    ),
    (
        "graag mijn abonnement per direct beëindigen",
        false,
        true,
        false,
    ),
    (
        "mijn baas wil een factuur op naam van het bedrijf",
        false,
        false,
        false,
    ),
];

const MIXED_MESSAGES_PARTIAL: &[Partial] = &[(
    "hello?? anyone there who isn't a robot",
    None,
    Some(false),
    Some(false),
)];

#[test]
fn mixed_messages_table() {
    check(MIXED_MESSAGES, MIXED_MESSAGES_PARTIAL);
}

/// Ownership, card misuse and "real person" phrasings written for these tests.
const OWNERSHIP_AND_FLESH_AND_BLOOD: &[Row] = &[
    (
        "any chance a real human could look over my application?",
        true,
        false,
        false,
    ),
    (
        "who do I call to sort this out with an actual person?",
        true,
        false,
        false,
    ),
    (
        "I'd really appreciate speaking with someone from accounts",
        true,
        false,
        false,
    ),
    ("does a human ever read these chats?", false, false, false),
    (
        "I need the account transferred into my name, my husband passed away",
        false,
        true,
        false,
    ),
    (
        "my payouts should go to my new business account from now on",
        false,
        true,
        false,
    ),
    (
        "please switch off two-factor on my account, I lost my phone",
        false,
        true,
        false,
    ),
    (
        "I'm requesting erasure of all my personal information",
        false,
        true,
        false,
    ),
    (
        "how do I turn on two-factor authentication?",
        false,
        false,
        false,
    ),
    (
        "¿alguien de carne y hueso me puede ayudar?",
        true,
        false,
        false,
    ),
    ("quiero que me atienda un asesor humano", true, false, false),
    (
        "quiero poner la cuenta a nombre de mi mujer",
        false,
        true,
        false,
    ),
    (
        "alguien ha usado mi tarjeta para comprar en vuestra web",
        false,
        true,
        false,
    ),
    (
        "vaya tela, otra vez el mismo error, estoy hasta el moño",
        false,
        false,
        true,
    ),
    (
        "je peux avoir un vrai conseiller au téléphone ?",
        true,
        false,
        false,
    ),
    (
        "mettez le contrat au nom de ma fille s'il vous plaît",
        false,
        true,
        false,
    ),
    (
        "je demande la suppression de toutes mes données personnelles",
        false,
        true,
        false,
    ),
    ("c'est quoi ce service de merde", false, false, true),
    (
        "ich hätte gern einen persönlichen Ansprechpartner",
        true,
        false,
        false,
    ),
    (
        "bitte schreiben Sie den Vertrag auf meinen Namen um",
        false,
        true,
        false,
    ),
    (
        "ich widerrufe die Lastschrift und hole mir das Geld über die Bank zurück",
        false,
        true,
        false,
    ),
    ("ihr seid echt das Letzte", false, false, true),
    ("consigo falar com um ser humano?", true, false, false),
    (
        "quero transferir a titularidade da linha para minha esposa",
        false,
        true,
        false,
    ),
    (
        "alguém comprou com meu cartão sem eu saber",
        false,
        true,
        false,
    ),
    (
        "que vergonha de atendimento, três dias sem resposta",
        false,
        false,
        true,
    ),
    (
        "potrei parlare con qualcuno in carne e ossa?",
        true,
        false,
        false,
    ),
    (
        "voglio intestare il contratto a mio figlio",
        false,
        true,
        false,
    ),
    (
        "qualcuno ha fatto acquisti con la mia carta senza che io lo sapessi",
        false,
        true,
        false,
    ),
    (
        "che schifo di servizio, non rispondete mai",
        false,
        false,
        true,
    ),
    ("kan ik even iemand van jullie spreken?", true, false, false),
    (
        "zet het contract op naam van mijn vrouw",
        false,
        true,
        false,
    ),
    (
        "er zijn betalingen gedaan met mijn kaart die ik niet ken",
        false,
        true,
        false,
    ),
    ("wat een waardeloos bedrijf zijn jullie", false, false, true),
];

const OWNERSHIP_AND_FLESH_AND_BLOOD_PARTIAL: &[Partial] = &[(
    "Refund. Me. Now. £300 for a jacket that fell apart.",
    Some(false),
    Some(true),
    None,
)];

#[test]
fn ownership_and_flesh_and_blood_table() {
    check(
        OWNERSHIP_AND_FLESH_AND_BLOOD,
        OWNERSHIP_AND_FLESH_AND_BLOOD_PARTIAL,
    );
}

/// Another round of self-written sentences: everyday asks, refunds, complaints.
const EVERYDAY_ROUND: &[Row] = &[
    (
        "can you hand me over to a colleague who knows about mortgages",
        true,
        false,
        false,
    ),
    (
        "i think i need to chat to a proper person about this",
        true,
        false,
        false,
    ),
    (
        "no need for anyone to call, I found the answer",
        false,
        false,
        false,
    ),
    (
        "unreal. nobody there knows what they're doing",
        false,
        false,
        true,
    ),
    (
        "stop all future payments and shut my account down",
        false,
        true,
        false,
    ),
    (
        "what's the fee if I cancel before the contract ends?",
        false,
        false,
        false,
    ),
    (
        "¿puedo hablar con un supervisor, por favor?",
        true,
        false,
        false,
    ),
    (
        "me tenéis hasta las narices con tanto corte de luz",
        false,
        false,
        true,
    ),
    (
        "he visto un cargo de 300 € que yo no he hecho",
        false,
        true,
        false,
    ),
    (
        "¿qué pasa si cancelo la suscripción a mitad de mes?",
        false,
        false,
        false,
    ),
    (
        "il me faudrait un interlocuteur humain pour régler ça",
        true,
        false,
        false,
    ),
    (
        "quelle bande d'incapables, rien ne marche",
        false,
        false,
        true,
    ),
    (
        "je veux récupérer mes 400 euros, le séjour a été annulé",
        false,
        true,
        false,
    ),
    ("vous livrez le samedi ?", false, false, false),
    (
        "verbinden Sie mich bitte mit einem echten Menschen",
        true,
        false,
        false,
    ),
    (
        "so langsam reicht es mir wirklich mit euch",
        false,
        false,
        true,
    ),
    (
        "Ich habe eine Abbuchung über 89 € entdeckt, die nicht von mir stammt",
        false,
        true,
        false,
    ),
    (
        "Was passiert, wenn ich mein Konto lösche?",
        false,
        false,
        false,
    ),
    (
        "preciso que um atendente me ligue urgente",
        true,
        false,
        false,
    ),
    (
        "vocês são péssimos, nunca resolvem nada",
        false,
        false,
        true,
    ),
    (
        "quero o meu dinheiro de volta, foram 250 euros",
        false,
        true,
        false,
    ),
    ("vocês entregam no domingo?", false, false, false),
    (
        "vorrei essere contattato da un operatore",
        true,
        false,
        false,
    ),
    (
        "sono esasperato, è la quarta volta che scrivo",
        false,
        false,
        true,
    ),
    ("annullate l'ordine, l'ho già pagato", false, true, false),
    ("posso pagare a rate?", false, false, false),
    (
        "ik wil graag met een mens praten in plaats van met een bot",
        true,
        false,
        false,
    ),
    ("echt te belachelijk voor woorden dit", false, false, true),
    (
        "mijn creditcard is gestolen en er zijn aankopen gedaan",
        false,
        true,
        false,
    ),
    ("bezorgen jullie ook op zondag?", false, false, false),
];

#[test]
fn everyday_round_table() {
    check(EVERYDAY_ROUND, &[]);
}
