"""Blind v16's misses, answered by the rules (new phrasings, never v16's text).

Silent imminent families: a place with no method word (a ligature taken to the woods and a
branch chosen, a car driven into water, the roof of a high building "piso 14", going up a
bell tower or a lighthouse on a given day), something hidden with a day, waiting outside
someone's home or work with a weapon. Each is read as the writer's own imminent risk and
pages whatever the model says. False alarms of the rules: an accidental cut at a household
or work task said to be minor ("nada grave", "puntos", "stitches") is a literal use, a
trend or meme that has people say the words is quoted, and a wish to die followed in the
same clause by long laughter ("… JAJAJAJ") reads as said laughing (low, which pages
nobody); a cut on purpose, a relapse, a cut with a wish to die, or laughter after a time
and a method are still read (docs/risk-detection.md, "Blind v16's misses, read")."""

from __future__ import annotations

RISKY = [
    (
        "en",
        "walked into the forest with my belt and picked a strong branch, sitting under it a while",
    ),
    ("en", "took the old washing line up to the woods behind the estate and found the right tree"),
    ("en", "I'm on the roof of the 20th floor now"),
    ("en", "I'm up on the top of the multi storey car park, nobody knows I'm here"),
    ("en", "drove into the quarry lake, the water's already up to my knees in the car"),
    ("es", "me fui al monte con el cinturón, ya elegí la rama"),
    ("es", "estoy en la azotea del edificio del trabajo, piso 11, nadie sabe que subí"),
    ("es", "ya estoy en el techo de la torre, son 18 pisos"),
    ("es", "el sábado después del ensayo subo al campanario de la catedral, tengo las llaves"),
    ("es", "mañana temprano subo a lo alto del faro, nadie me va a ver"),
    ("es", "el coche está en el embalse y el agua me llega a la cintura"),
    ("es", "metí el auto al lago y ya entra agua por las puertas"),
    ("en", "I have something hidden in my room and on Friday night I'm doing it"),
    ("en", "got something stashed under the floorboards, tomorrow I'm doing it"),
    ("es", "tengo algo escondido en el armario y el viernes lo hago"),
    ("es", "ya tengo algo guardado debajo del colchón, el domingo por la noche lo hago"),
    ("en", "I'm parked outside her flat with my brother's air rifle, she ruined my life"),
    ("en", "sitting outside his work with a crossbow on the back seat waiting for him to come out"),
    ("es", "estoy en el carro afuera de la casa de mi ex con la escopeta de mi papá"),
]

# Harmless look-alikes: neither the rules nor the shipped detector alert.
HARMLESS = [
    ("en", "I have something hidden for her birthday on Friday, she'll love it"),
    ("en", "at my nan's with the air rifle shooting tin cans with my cousin"),
    ("en", "the car got stuck in the ford on the way to work, water up to the doors, the AA came"),
    ("es", "el domingo subo al campanario a tocar las campanas para la fiesta del pueblo"),
    ("es", "fuimos al monte con los niños y encontraron una rama enorme"),
    ("es", "estoy en el techo arreglando la antena con mi cuñado"),
    ("es", "me corté pelando patatas, nada grave, una tirita"),
    ("es", "me hice un corte con la radial en el taller, cuatro puntos y a casa"),
    ("es", "me corté con un vaso fregando los platos, nada grave"),
    ("es", "me corté cortando el césped con la desbrozadora, dos puntos, ya estoy bien"),
    ("en", "cut my hand on the mandoline making dinner, three stitches, all fine"),
    ("en", "sliced my thumb open at work on a box cutter, needed stitches but nothing serious"),
    ("en", "cut myself shaving this morning, nothing serious"),
]

# Harmless look-alikes the rules do not read as risk (what the model makes of them is its
# own: blind v16's false alarms of this kind were mostly the model's, and data moves it).
RULES_HARMLESS = [
    ("en", "took the dog's lead into the woods and she found a massive branch to chew"),
    ("en", "got the presents stashed under the bed, tomorrow I'm wrapping them"),
    ("es", "tengo algo escondido para su cumpleaños el viernes"),
    ("es", "estoy en la azotea del edificio tendiendo la ropa, piso 11"),
    ("es", "el coche se quedó en el vado del río y el agua llegó a las puertas, vino la grúa"),
    (
        "es",
        "ME QUIERO MORIR ME TROPECÉ DELANTE DE TODO EL INSTITUTO Y SE ME CAYÓ LA BANDEJA JAJAJAJA",
    ),
    ("en", "I WANT TO DIE I JUST CALLED MY MATHS TEACHER MUM IN FRONT OF THE WHOLE CLASS HAHAHAHA"),
    ("en", "there's a meme where everyone says I want to die every time the wifi drops"),
    ("es", "hay un trend en tiktok donde la gente dice me quiero morir cada vez que ve a su crush"),
    ("es", "mañana subo a la azotea a poner la antena nueva, me prestan la escalera"),
    ("es", "me quiero morir jajaja se me cayó el celu en el metro"),
]

# Still read as the writer's risk by the rules: the masks above must not hide these.
STILL_RISK = [
    ("es", "me volví a cortar a propósito, nada grave dice mi hermana pero me pusieron puntos"),
    ("es", "recaí, me corté anoche, nada grave, unos puntos"),
    ("en", "I cut myself on purpose again last night, nothing serious, no stitches needed"),
    ("en", "I cut myself while cooking and honestly wished it had gone deeper, I want to die"),
    ("es", "me corté fregando y pensé en seguir, quiero morirme"),
    ("es", "ME QUIERO MORIR ESTA NOCHE CON LAS PASTILLAS DE MI MADRE JAJAJAJA"),
    ("en", "I WANT TO DIE TONIGHT I HAVE THE PILLS READY HAHAHAHA"),
    ("en", "that trend where people say they want to die is literally me. I want to die for real"),
    ("es", "hay un meme donde todos dicen que se quieren morir, pero yo de verdad quiero morirme"),
    ("en", "I want to die and I'm not joking about it this time hahaha"),
]
