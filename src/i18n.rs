//! UI strings in the seven languages the engine understands. Static tables, no runtime
//! formatting library: the widget pays bytes for every dependency.

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// German.
    De,
    /// Portuguese.
    Pt,
    /// Italian.
    It,
    /// Dutch.
    Nl,
}

impl Locale {
    /// Picks the language from a BCP 47 tag (`pt-BR` → `Pt`); `None` when unsupported.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Some(match primary.as_str() {
            "en" => Locale::En,
            "es" => Locale::Es,
            "fr" => Locale::Fr,
            "de" => Locale::De,
            "pt" => Locale::Pt,
            "it" => Locale::It,
            "nl" => Locale::Nl,
            _ => return None,
        })
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Fr => "fr",
            Locale::De => "de",
            Locale::Pt => "pt",
            Locale::It => "it",
            Locale::Nl => "nl",
        }
    }

    /// The strings for this language.
    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::En => &EN,
            Locale::Es => &ES,
            Locale::Fr => &FR,
            Locale::De => &DE,
            Locale::Pt => &PT,
            Locale::It => &IT,
            Locale::Nl => &NL,
        }
    }
}

/// Every string the UI shows.
#[derive(Debug)]
pub struct Strings {
    /// Launcher label when closed.
    pub open_chat: &'static str,
    /// Close / minimise button label.
    pub close_chat: &'static str,
    /// Panel title when the site has no name.
    pub title: &'static str,
    /// Default greeting.
    pub greeting: &'static str,
    /// Input label and placeholder.
    pub placeholder: &'static str,
    /// Send button.
    pub send: &'static str,
    /// The always-visible button.
    pub talk_to_person: &'static str,
    /// Painted the moment the engine escalates.
    pub connecting: &'static str,
    /// The bundle is in the outbox, not yet acknowledged.
    pub queued: &'static str,
    /// The server acknowledged the bundle.
    pub delivered: &'static str,
    /// The server refused the bundle for good (a 4xx): nobody has the request.
    pub handoff_failed: &'static str,
    /// The live channel keeps failing after the handoff was delivered.
    pub live_unavailable: &'static str,
    /// A human joined (followed by the agent's name).
    pub agent_joined: &'static str,
    /// Feedback buttons.
    pub helpful: &'static str,
    /// Feedback buttons.
    pub not_helpful: &'static str,
    /// After feedback.
    pub thanks_feedback: &'static str,
    /// Label before a KB source link.
    pub source: &'static str,
    /// A softer signal: the engine suggests a person once.
    pub offer: &'static str,
    /// End the conversation (leads to CSAT).
    pub end_chat: &'static str,
    /// The conversation ended.
    pub ended: &'static str,
    /// CSAT question.
    pub csat_question: &'static str,
    /// CSAT star label suffix: "3 of 5".
    pub csat_of: &'static str,
    /// After rating.
    pub csat_thanks: &'static str,
    /// Start over after the end.
    pub new_chat: &'static str,
    /// Screen-reader names of speakers.
    pub you: &'static str,
    /// Screen-reader names of speakers.
    pub assistant: &'static str,
    /// Screen-reader names of speakers.
    pub agent: &'static str,
    /// A customer message not yet delivered to the agent.
    pub sending: &'static str,
    /// The bot is composing.
    pub typing: &'static str,
}

static EN: Strings = Strings {
    open_chat: "Open chat",
    close_chat: "Close chat",
    title: "Support",
    greeting: "Hi! How can we help you today?",
    placeholder: "Type your message…",
    send: "Send",
    talk_to_person: "Talk to a person",
    connecting: "Connecting you to a person…",
    queued: "Your request is saved and will be sent as soon as we're back online.",
    delivered: "A person has your conversation and will reply here shortly.",
    handoff_failed: "We couldn't reach our team — please try again or email us.",
    live_unavailable:
        "Live chat is unavailable right now. Our team has your request and will follow up.",
    agent_joined: "joined the conversation",
    helpful: "Helpful",
    not_helpful: "Not helpful",
    thanks_feedback: "Thanks for the feedback",
    source: "Source",
    offer: "Would you like to talk to a person? Use the button below at any time.",
    end_chat: "End chat",
    ended: "This conversation has ended.",
    csat_question: "How would you rate this conversation?",
    csat_of: "of 5",
    csat_thanks: "Thank you for your rating!",
    new_chat: "Start a new conversation",
    you: "You",
    assistant: "Assistant",
    agent: "Agent",
    sending: "Sending…",
    typing: "Assistant is typing",
};

static ES: Strings = Strings {
    open_chat: "Abrir chat",
    close_chat: "Cerrar chat",
    title: "Soporte",
    greeting: "¡Hola! ¿En qué podemos ayudarte hoy?",
    placeholder: "Escribe tu mensaje…",
    send: "Enviar",
    talk_to_person: "Hablar con una persona",
    connecting: "Te estamos conectando con una persona…",
    queued: "Tu solicitud está guardada y se enviará en cuanto volvamos a tener conexión.",
    delivered: "Una persona tiene tu conversación y te responderá aquí en breve.",
    handoff_failed:
        "No pudimos contactar con nuestro equipo. Inténtalo de nuevo o escríbenos por correo.",
    live_unavailable: "El chat en directo no está disponible ahora. Nuestro equipo tiene tu solicitud y te responderá.",
    agent_joined: "se unió a la conversación",
    helpful: "Útil",
    not_helpful: "No es útil",
    thanks_feedback: "Gracias por tu opinión",
    source: "Fuente",
    offer: "¿Quieres hablar con una persona? Usa el botón de abajo cuando quieras.",
    end_chat: "Terminar chat",
    ended: "Esta conversación ha terminado.",
    csat_question: "¿Cómo valorarías esta conversación?",
    csat_of: "de 5",
    csat_thanks: "¡Gracias por tu valoración!",
    new_chat: "Iniciar una nueva conversación",
    you: "Tú",
    assistant: "Asistente",
    agent: "Agente",
    sending: "Enviando…",
    typing: "El asistente está escribiendo",
};

static FR: Strings = Strings {
    open_chat: "Ouvrir le chat",
    close_chat: "Fermer le chat",
    title: "Assistance",
    greeting: "Bonjour ! Comment pouvons-nous vous aider ?",
    placeholder: "Écrivez votre message…",
    send: "Envoyer",
    talk_to_person: "Parler à une personne",
    connecting: "Nous vous mettons en relation avec une personne…",
    queued: "Votre demande est enregistrée et sera envoyée dès le retour de la connexion.",
    delivered: "Une personne a reçu votre conversation et vous répondra ici sous peu.",
    handoff_failed:
        "Nous n'avons pas pu joindre notre équipe. Réessayez ou écrivez-nous par e-mail.",
    live_unavailable: "Le chat en direct est indisponible pour le moment. Notre équipe a votre demande et vous répondra.",
    agent_joined: "a rejoint la conversation",
    helpful: "Utile",
    not_helpful: "Pas utile",
    thanks_feedback: "Merci pour votre avis",
    source: "Source",
    offer: "Souhaitez-vous parler à une personne ? Utilisez le bouton ci-dessous à tout moment.",
    end_chat: "Terminer",
    ended: "Cette conversation est terminée.",
    csat_question: "Comment évaluez-vous cette conversation ?",
    csat_of: "sur 5",
    csat_thanks: "Merci pour votre note !",
    new_chat: "Nouvelle conversation",
    you: "Vous",
    assistant: "Assistant",
    agent: "Conseiller",
    sending: "Envoi…",
    typing: "L'assistant écrit",
};

static DE: Strings = Strings {
    open_chat: "Chat öffnen",
    close_chat: "Chat schließen",
    title: "Kundenservice",
    greeting: "Hallo! Wie können wir Ihnen heute helfen?",
    placeholder: "Nachricht eingeben…",
    send: "Senden",
    talk_to_person: "Mit einem Menschen sprechen",
    connecting: "Wir verbinden Sie mit einem Menschen…",
    queued: "Ihre Anfrage ist gespeichert und wird gesendet, sobald wir wieder online sind.",
    delivered: "Ein Mensch hat Ihr Gespräch erhalten und antwortet hier in Kürze.",
    handoff_failed: "Wir konnten unser Team nicht erreichen. Bitte versuchen Sie es erneut oder schreiben Sie uns eine E-Mail.",
    live_unavailable: "Der Live-Chat ist gerade nicht verfügbar. Unser Team hat Ihre Anfrage und meldet sich bei Ihnen.",
    agent_joined: "ist dem Gespräch beigetreten",
    helpful: "Hilfreich",
    not_helpful: "Nicht hilfreich",
    thanks_feedback: "Danke für Ihr Feedback",
    source: "Quelle",
    offer: "Möchten Sie mit einem Menschen sprechen? Nutzen Sie jederzeit die Schaltfläche unten.",
    end_chat: "Chat beenden",
    ended: "Dieses Gespräch ist beendet.",
    csat_question: "Wie bewerten Sie dieses Gespräch?",
    csat_of: "von 5",
    csat_thanks: "Vielen Dank für Ihre Bewertung!",
    new_chat: "Neues Gespräch beginnen",
    you: "Sie",
    assistant: "Assistent",
    agent: "Mitarbeiter",
    sending: "Wird gesendet…",
    typing: "Der Assistent schreibt",
};

static PT: Strings = Strings {
    open_chat: "Abrir chat",
    close_chat: "Fechar chat",
    title: "Suporte",
    greeting: "Olá! Como podemos ajudar hoje?",
    placeholder: "Escreva sua mensagem…",
    send: "Enviar",
    talk_to_person: "Falar com uma pessoa",
    connecting: "Conectando você a uma pessoa…",
    queued: "Seu pedido foi salvo e será enviado assim que a conexão voltar.",
    delivered: "Uma pessoa recebeu sua conversa e responderá aqui em breve.",
    handoff_failed:
        "Não conseguimos contatar nossa equipe. Tente novamente ou envie-nos um e-mail.",
    live_unavailable:
        "O chat ao vivo está indisponível agora. Nossa equipe recebeu seu pedido e vai responder.",
    agent_joined: "entrou na conversa",
    helpful: "Útil",
    not_helpful: "Não ajudou",
    thanks_feedback: "Obrigado pelo retorno",
    source: "Fonte",
    offer: "Quer falar com uma pessoa? Use o botão abaixo a qualquer momento.",
    end_chat: "Encerrar chat",
    ended: "Esta conversa foi encerrada.",
    csat_question: "Como você avalia esta conversa?",
    csat_of: "de 5",
    csat_thanks: "Obrigado pela sua avaliação!",
    new_chat: "Iniciar nova conversa",
    you: "Você",
    assistant: "Assistente",
    agent: "Atendente",
    sending: "Enviando…",
    typing: "O assistente está escrevendo",
};

static IT: Strings = Strings {
    open_chat: "Apri la chat",
    close_chat: "Chiudi la chat",
    title: "Assistenza",
    greeting: "Ciao! Come possiamo aiutarti oggi?",
    placeholder: "Scrivi il tuo messaggio…",
    send: "Invia",
    talk_to_person: "Parla con una persona",
    connecting: "Ti stiamo mettendo in contatto con una persona…",
    queued: "La tua richiesta è salvata e verrà inviata appena torniamo online.",
    delivered: "Una persona ha ricevuto la conversazione e ti risponderà qui a breve.",
    handoff_failed:
        "Non siamo riusciti a contattare il nostro team. Riprova o scrivici via e-mail.",
    live_unavailable: "La chat dal vivo non è disponibile al momento. Il nostro team ha la tua richiesta e ti risponderà.",
    agent_joined: "si è unito alla conversazione",
    helpful: "Utile",
    not_helpful: "Non utile",
    thanks_feedback: "Grazie per il feedback",
    source: "Fonte",
    offer: "Vuoi parlare con una persona? Usa il pulsante qui sotto quando vuoi.",
    end_chat: "Termina chat",
    ended: "Questa conversazione è terminata.",
    csat_question: "Come valuti questa conversazione?",
    csat_of: "su 5",
    csat_thanks: "Grazie per la valutazione!",
    new_chat: "Inizia una nuova conversazione",
    you: "Tu",
    assistant: "Assistente",
    agent: "Operatore",
    sending: "Invio…",
    typing: "L'assistente sta scrivendo",
};

static NL: Strings = Strings {
    open_chat: "Chat openen",
    close_chat: "Chat sluiten",
    title: "Klantenservice",
    greeting: "Hallo! Waarmee kunnen we je vandaag helpen?",
    placeholder: "Typ je bericht…",
    send: "Versturen",
    talk_to_person: "Praat met een mens",
    connecting: "We verbinden je met een mens…",
    queued: "Je verzoek is bewaard en wordt verstuurd zodra we weer online zijn.",
    delivered: "Een medewerker heeft je gesprek en antwoordt hier zo.",
    handoff_failed:
        "We konden ons team niet bereiken. Probeer het opnieuw of stuur ons een e-mail.",
    live_unavailable:
        "Live chat is nu niet beschikbaar. Ons team heeft je verzoek en neemt contact met je op.",
    agent_joined: "neemt deel aan het gesprek",
    helpful: "Nuttig",
    not_helpful: "Niet nuttig",
    thanks_feedback: "Bedankt voor je feedback",
    source: "Bron",
    offer: "Wil je met een mens praten? Gebruik op elk moment de knop hieronder.",
    end_chat: "Chat beëindigen",
    ended: "Dit gesprek is beëindigd.",
    csat_question: "Hoe beoordeel je dit gesprek?",
    csat_of: "van 5",
    csat_thanks: "Bedankt voor je beoordeling!",
    new_chat: "Nieuw gesprek starten",
    you: "Jij",
    assistant: "Assistent",
    agent: "Medewerker",
    sending: "Versturen…",
    typing: "De assistent typt",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_regions_are_ignored() {
        for l in [
            Locale::En,
            Locale::Es,
            Locale::Fr,
            Locale::De,
            Locale::Pt,
            Locale::It,
            Locale::Nl,
        ] {
            assert_eq!(Locale::from_tag(l.tag()), Some(l));
        }
        assert_eq!(Locale::from_tag("NL_be"), Some(Locale::Nl));
        assert_eq!(Locale::from_tag("zh-Hans"), None);
        assert_eq!(Locale::from_tag(""), None);
    }

    #[test]
    fn every_language_names_the_person_button() {
        for l in [
            Locale::Es,
            Locale::Fr,
            Locale::De,
            Locale::Pt,
            Locale::It,
            Locale::Nl,
        ] {
            assert_ne!(l.strings().talk_to_person, EN.talk_to_person);
            assert!(l.strings().connecting.ends_with('…'));
        }
    }
}
