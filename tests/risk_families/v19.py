"""Blind v19's misses, answered by the rules (new phrasings, never v19's text).

Silent imminent families: a height with a floor or level number and staying ("booked the
room just for this", "level 6, looking over the wall"); on top of a billboard, "ya me voy a
aventar" (Mexican: to throw oneself); a brazier or a disposable barbecue lit in a closed
room, a headache now; the noose made and hung, waiting; a car driven into a tree on purpose
just now; someone threatening the writer now ("me tiene encerrada y dice que hoy me mata",
"when he wakes up he'll kill me"). Each is read as the writer's own imminent risk and pages
whatever the model says. Missed high: a search for a lethal height or for whether life
insurance pays when the death looks like an accident; pills bought in several chemists or
gathered for months; "me sigo cortando"; gutted it didn't work, out of hospital; "ojalá no me
hubieran reanimado"; crossing roads without looking, hoping. The rules' false alarms: a
search for help ("searched how to get through a panic attack"); a goodbye to the service
with a new start (therapy, a counsellor through work, a wedding, a move), which the model
may not raise either; a risk said in jest and denied ("It was a joke.", "no literal, pero
... jaja"). With "but honestly", "la verdad", "sorry", "for good" or a way to die, the risk
is still read. Who: someone else at a height or behind a locked door now, the writer on the
way or at the door, is theirs: read from the act's own subject, the writer's going or
helping taken out, even when a comma cuts the clause ("my cousin rang me, he's on top of
...") (docs/risk-detection.md, "Blind v19's misses, read")."""

from __future__ import annotations

RISKY = [
    (
        "en",
        "lol so I'm out on the hotel balcony, 9th floor, checked in just for this. wanted to "
        "say hi first",
    ),
    (
        "en",
        "I'm up at the multi storey by the station, level 6, looking over the wall. they said "
        "I was fine to go home",
    ),
    ("en", "standing on level 8 of the car park looking over the wall, they discharged me today"),
    ("es", "estoy arriba de un espectacular en la avenida y ya me voy a aventar"),
    ("es", "prendí el brasero en el cuarto con todo cerrado y ya me duele la cabeza"),
    (
        "en",
        "lit a disposable bbq in the bathroom with the door taped shut and I've got a headache now",
    ),
    ("es", "la soga ya está hecha y colgada en el garaje, espero a que se duerman"),
    (
        "en",
        "drove into a tree on purpose about ten minutes ago, airbag went off, still alive and my "
        "ribs hurt",
    ),
    ("es", "mi marido me tiene encerrada en el cuarto y dice que hoy me mata, tiene la pistola"),
    ("es", "cuando se despierte me va a ahorcar, ya lo hizo antes, estoy escondida en el baño"),
    (
        "en",
        "he passed out drunk but he told me when he wakes up he'll kill me, I'm hiding in the "
        "bathroom",
    ),
]

# The writer's own high risk (an alert, high or imminent), read by the rules.
OWN_ALERT = [
    ("en", "searching what floor is high enough to die from and your page came up, funny that"),
    ("es", "busqué a qué altura es mortal caer y me salió su anuncio"),
    ("es", "estuve buscando cuál es la altura mortal desde un edificio y me salió esto"),
    ("es", "busqué si el seguro de vida paga si la muerte parece un accidente, tengo un hijo"),
    (
        "en",
        "I looked up whether life insurance pays out if the death looks like an accident, for my "
        "kids",
    ),
    ("es", "compré ibuprofeno en cuatro farmacias distintas, aún no sé para qué"),
    ("es", "compré paracetamol en tres farmacias distintas para que no me pregunten"),
    ("es", "ya no sé qué hacer, me sigo cortando las piernas cada noche"),
    ("en", "out of hospital yesterday, everyone's so relieved and I'm just gutted it didn't work"),
    ("es", "me dieron de alta y ojalá no me hubieran salvado"),
    ("en", "I cross the road without looking hoping something hits me"),
    ("es", "cruzo la calle sin mirar a ver si me atropellan"),
    ("es", "cruzo la avenida sin mirar a ver si tengo suerte"),
]

# Harmless look-alikes: neither the rules nor the shipped detector alert.
HARMLESS = [
    (
        "en",
        "I searched how to calm down from a panic attack at 3am and this site came up, it's "
        "passing now",
    ),
    (
        "en",
        "I searched how to get through a panic attack and your site came up, it's calming down now",
    ),
    (
        "en",
        "this will be my last message here, I'm starting therapy with a psychologist next week, "
        "thank you all",
    ),
    (
        "en",
        "my last message here for a while, I got a counsellor through work so thanks for "
        "everything",
    ),
    ("es", "quería despedirme, me mudo a Monterrey porque me caso en junio, gracias por todo"),
    (
        "es",
        "me caso en mayo y me mudo a Lima, quería despedirme, aquí aprendí mucho. gracias de "
        "corazón",
    ),
    ("es", "gracias por todo, ya empecé con la psicóloga, así que vengo menos"),
    (
        "en",
        "my in-laws are staying another month so I'll throw myself in the river. Joking, obviously",
    ),
    ("es", "compré el champú en tres farmacias distintas porque no lo encontraba"),
    ("es", "compré el protector solar en tres farmacias distintas porque estaba agotado"),
    ("es", "me sigo cortando el pelo yo misma desde la pandemia"),
    ("es", "estaba buscando cómo dejar de sentirme tan ansiosa y me salió esta página"),
]

# Harmless look-alikes the rules do not read as risk (what the model makes of them is its
# own; blind v19's false alarms of this kind were mostly the model's; the retrained model
# alone alerts on crossing the street without looking at the phone, 0.78).
RULES_HARMLESS = [
    ("es", "cruzo la calle sin mirar el celular, a ver si aprendo"),
    (
        "en",
        "found you while searching how to help my boyfriend with his depression, I've never been "
        "suicidal myself",
    ),
    (
        "en",
        "if I have to sit through one more budget meeting I'll jump off the roof. It was a joke. "
        "Relax",
    ),
    (
        "en",
        "I said I'd jump in front of a bus if I had to do another night shift. It was a joke. "
        "People are so touchy",
    ),
    (
        "es",
        "me quiero tirar del puente, se me olvidó el cumpleaños de mi suegra. no literal, pero qué "
        "vergüenza jaja",
    ),
    (
        "es",
        "me quiero matar, se me quemó el arroz y llegan los suegros. no literal eh, pero qué "
        "horror jaja",
    ),
    ("en", "lol I'm on the hotel balcony, 12th floor, the view of the sea is amazing"),
    ("es", "prendí el brasero en la pieza porque hace frío, con la ventana abierta"),
    ("en", "out of hospital after the knee op and gutted it didn't work, still limping"),
    ("en", "level 4 of the car park, looking over the edge for my car lol"),
    ("es", "me subí a la torre del clavado y me aviento al agua, jaja"),
    ("es", "la soga de tender ya está colgada en el patio, espero que no llueva"),
]

# Someone else's risk now, the writer on the way, at the door or calling for help: theirs,
# by the rules and by the shipped detector.
OTHERS = [
    (
        "en",
        "my sister just messaged that she's on the bridge over the bypass, I'm driving there now "
        "and I've rung 999",
    ),
    (
        "en",
        "my dad has locked himself in the bathroom and says he swallowed all his tablets, I'm "
        "outside the door and the ambulance is coming",
    ),
    (
        "en",
        "my son has locked his door and says he's taken all his tablets, I'm outside his door and "
        "the ambulance is coming",
    ),
    (
        "es",
        "mi hermana me escribió que está en el puente de la autopista y que la perdone, voy "
        "manejando para allá",
    ),
    ("es", "mi mamá me escribió que va camino al puente y que la perdone, voy manejando"),
    (
        "es",
        "mi tío me llamó desde arriba del puente diciendo que se va a aventar, voy en camino",
    ),
    (
        "es",
        "mi novio se encerró en el baño y dice que se tomó todas las pastillas, estoy afuera de "
        "la puerta y ya llamé a la ambulancia",
    ),
]

# Someone else's risk now, read by the rules as theirs even where a comma cuts the clause
# before the act's subject. (The shipped model reads these as the writer's own with a low
# "other" head, and its imminent reading stands: an alert either way.)
RULES_OTHERS = [
    (
        "en",
        "my cousin rang me, he's on top of the multi storey saying sorry to everyone, I'm on my "
        "way",
    ),
    (
        "en",
        "my brother rang me, he's on the railway bridge saying goodbye, I'm on my way and I've "
        "rung 999",
    ),
    (
        "es",
        "mi primo está arriba del puente peatonal, yo voy en camino, ¿qué le digo para que no se "
        "tire?",
    ),
]

# Still read as the writer's risk by the rules: the masks above must not hide these, and a
# threat to the writer stays the writer's.
STILL_RISK = [
    ("en", "I said I'd jump off the bridge. It was a joke. but honestly some nights I mean it"),
    ("es", "me quiero matar. no literal, pero la verdad lo pienso seguido"),
    ("es", "quería despedirme, me mudo lejos, para siempre, perdón por todo"),
    (
        "en",
        "this is my last message here, I start therapy on Monday but I won't make it to Monday",
    ),
    ("en", "I searched how to end it painlessly and your site came up"),
    ("en", "this is my last message, thank you all, sorry for everything"),
    ("en", "my husband is driving over here with his shotgun and says he's going to kill me"),
    ("es", "mi ex viene para acá con una pistola y dice que me va a matar y después se mata él"),
]
