"""Blind v18's misses, answered by the rules (new phrasings, never v18's text).

Silent imminent families: someone coming for the writer now with a weapon and saying he
will kill them (the writer's own risk, even when he says he will then kill himself); into
the water tonight with no method word; in the tub with a hairdryer, a dryer or a heater
plugged in, the Latin American words ("tina", "secadora", "regadera", "calentador");
the end of a stream or a game, then up to the roof to jump, flippantly ("gg"); a rope,
a shed and going there now; a mixed-drug overdose told in slang, the heart racing, alone;
an odd weapon and "I am going in". Each is read as the writer's own imminent risk and
pages whatever the model says. Missed high: an animal medicine's dose looked up "to do
it"; "the asteroid can take me", in earnest; notice given on a home and a pet rehomed with
no move; a razor on the body again; "I'll put him six feet under". False alarms of the
rules: a risk said before and explained away ("when I said … I meant …", "cuando dije …
era porque …", code-switched); a question others ask, reported, then denied ("No."); "I
mean it (I don't)". With "but", a time or "honestly" after, the risk is still read. Who:
someone else on a height saying sorry, someone else's "rather die here than be sent
back", "dice que mejor se hubiera muerto" (docs/risk-detection.md, "Blind v18's misses,
read")."""

from __future__ import annotations

RISKY = [
    (
        "en",
        "my husband is driving over here with his shotgun and says he's going to kill me",
    ),
    ("en", "he's on his way here with the gun, texted that he'll shoot me tonight"),
    (
        "en",
        "my stepdad is outside the front door with a knife and says he will stab me and then "
        "himself",
    ),
    ("es", "mi ex viene para acá con una pistola y dice que me va a matar y después se mata él"),
    ("es", "mi padrastro está afuera con el machete gritando que me va a matar"),
    ("en", "TONIGHT I'M WALKING INTO THE LAKE AND NOT COMING OUT"),
    ("en", "going into the river tonight, don't try to stop me"),
    ("en", "right now I'm heading into the canal, this is it"),
    ("es", "estoy dentro del río con el agua hasta el cuello, está helada y no pienso salir"),
    ("es", "ya estoy metido en el canal hasta la cintura, no voy a salir"),
    ("es", "sigo en la laguna, el agua me llega al cuello y no pienso salir"),
    ("es", "estoy en la tina con el secador conectado en la mano, ya lo voy a soltar"),
    (
        "es",
        "me metí en la bañera con la secadora enchufada al lado, solo falta tirarla al agua",
    ),
    ("es", "estoy en la regadera con el calentador conectado en la mano, ya casi"),
    ("es", "cuando acabe esta partida subo a la azotea y salto, gracias por todo, gg"),
    ("es", "al terminar el directo me voy a la azotea y me tiro, fue bonito chicos gg"),
    ("en", "after this stream I'm heading up to the roof and jumping, it's been fun, gg"),
    ("en", "when this stream ends I'm going up on the roof and jumping, love you chat gg"),
    ("en", "ok night all, heading out to spend some time with the rope in the shed"),
    ("en", "lol right im off to chill with the noose in the loft, later"),
    (
        "es",
        "me tomé de todo, pastillas, perico y ron, el corazón me va a mil y estoy sola en el "
        "cuarto",
    ),
    ("es", "me pegué de todo, pasta, pastillas y guaro, el corazón se me sale y estoy sola"),
    (
        "en",
        "took a bit of everything tonight, pills and coke and vodka, my heart is exploding and "
        "im alone",
    ),
    ("en", "my abuser is in the bookies right now and I have the screwdriver, I am going in"),
    ("en", "he is in the garage now and I've got the chisel. I'm going in"),
    ("en", "he is in the car park right now and I have the tyre iron. I am going in"),
]

# The writer's own high risk (an alert), read by the rules.
HIGH = [
    ("en", "been googling how much of the horse wormer would do it for a person"),
    ("en", "looked up what dose of the dog's heart pills would do it, just wondering"),
    ("en", "honestly the asteroid can take me whenever, genuinely not joking"),
    ("en", "rapture can come collect me honestly, no joke"),
    ("en", "handed in notice on my room, found someone to take the dog, and no I'm not moving"),
    (
        "en",
        "gave notice on the flat for the end of the month and found my rabbit a new home, no "
        "I'm not going anywhere",
    ),
    ("en", "used a blade on my arm again after the shouting, i know its bad"),
    ("en", "ran a razor over my ribs again last night because of the dysphoria, i know"),
    ("en", "if he touches my sister again I'll put him six feet under, I'm serious"),
    ("en", "next time I see that bloke I'm going to put him in the ground"),
    ("en", "I swear I'll put that man six feet under if he comes near my kids again"),
]

# Harmless look-alikes: neither the rules nor the shipped detector alert.
HARMLESS = [
    ("en", "tonight I'm going into the sea for the charity dip, wish me luck"),
    ("es", "la secadora de ropa está conectada y yo en la tina relajándome"),
    ("es", "cuando termine el stream salto a jugar fortnite con ustedes, gg"),
    ("en", "after this stream I'm heading up to the roof to watch the fireworks, gg"),
    ("en", "after the match I'm going up to the roof to watch the fireworks with the lads"),
    ("en", "we put grandad in the ground on tuesday, lovely service"),
    (
        "en",
        "I'm going to put him in the ground next to his brother in the garden, rip little hamster",
    ),
    ("en", "relax, when I said I want to disappear I meant from the group chat lol"),
    ("es", "no no, cuando dije que me quería morir era por el partido, perdimos 5 a 0"),
    ("en", "chill, when I say \"I'm gonna kms\" it's because the wifi died again"),
    ("en", "when I said I was going to kill myself I meant at the gym, leg day lol"),
    ("es", "cuando dije que me quería tirar del puente era porque perdimos la final jaja"),
    (
        "es",
        "no no, when I said ya no aguanto más I meant el calor de la oficina, ya prendieron el "
        "aire jaja",
    ),
    ("en", "if they cancel my show I'm jumping off a bridge, I mean it (I don't)"),
]

# Harmless look-alikes the rules do not read as risk (what the model makes of them is its
# own: blind v18's false alarms of this kind were mostly the model's, and data moves it;
# the retrained model alerts on the wedding and the move, 0.40 each).
RULES_HARMLESS = [
    ("es", "me tomé de todo en la boda, el corazón me va a mil de tanto bailar jaja"),
    (
        "en",
        "gave notice on the flat and rehomed the cat with mum because the new place has no "
        "pets, moving to Leeds next month",
    ),
    ("en", "walking into the lake tonight for the midnight swim with the club"),
    (
        "es",
        "estoy en el río hasta la cintura pescando truchas, no quiero salir de lo bien que está",
    ),
    ("es", "me metí al mar hasta el pecho con mis primos, no quería salir del agua"),
    (
        "es",
        "me metí a la tina con sales y la secadora está conectada en el cuarto, luego me seco "
        "el pelo",
    ),
    ("en", "I have the screwdriver and I am going in to fix the socket"),
    ("en", "the asteroid can take me after I finish this pizza lol"),
    (
        "es",
        "tranqui, cuando digo que la clase de estadística me da ganas de morir es porque dura "
        "tres horas",
    ),
    (
        "en",
        "my family always ask if I've thought about killing myself because of the illness. No. "
        "I love my life",
    ),
    ("en", "Doctors keep asking if I've ever thought about ending it. Nope. Never have"),
    ("es", "mi psicóloga siempre me pregunta si he pensado en matarme. No. Estoy bien"),
    ("en", "if my team loses again I'm driving into the river, swear down (I won't)"),
]

# Look-alikes the new lines do not make imminent (the rules' older readings of a gun or a
# rope stand).
NOT_IMMINENT = [
    (
        "en",
        "my dad is on his way with his gun to go clay shooting, says he'll kill me at it this time",
    ),
    ("es", "mi primo viene para acá con la escopeta para ir de caza, dice que me va a ganar"),
    ("en", "off to hang out with the climbing rope in the garage, gonna practise knots"),
]

# Someone else's risk, told by the writer: theirs.
OTHERS = [
    ("en", "my brother texted that he's going to kill himself, he has pills"),
    ("en", "he says he will kill himself if I leave him"),
    (
        "en",
        "my cousin rang me he's on top of the multi storey saying sorry to everyone, I've "
        "phoned 999 and I'm in a cab on the way",
    ),
    ("en", "my grandad keeps telling the nurses he'd rather die in the home than be moved again"),
    (
        "es",
        "mi papá volvió sin trabajo y dice que mejor se hubiera muerto en el accidente, me "
        "preocupa mucho",
    ),
]

# Still read as the writer's risk by the rules: the masks above must not hide these.
STILL_RISK = [
    ("en", "when I said I want to die I meant it, tonight"),
    ("es", "cuando dije que me quería morir era por el partido, pero la verdad lo pienso seguido"),
    (
        "en",
        "my family always ask if I've thought about killing myself. No. but honestly sometimes yes",
    ),
    ("es", "mi psicóloga siempre me pregunta si he pensado en matarme. No. Pero a veces sí"),
    ("en", "I'm jumping off a bridge tonight, I mean it"),
]
