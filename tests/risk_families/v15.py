"""Blind v15's silent imminent families, read by the rules (new phrasings, never v15's
text): a threat by someone at the door now; a leap told in the present with a time ("a
medianoche salto del puente"); a service rifle with "voy a hacerlo"; the body over the
edge at a height; the bath with something electric plugged in; a baby held on a balcony
with an urge to drop it. Each is read as the writer's own imminent risk and pages whatever
the model says (and so do a cut bleeding through the sleeve with faintness, and a car to be
crashed "ya voy en camino", which were read only as high); the harmless look-alikes (a
scolding "my mum will kill me if I'm late", a summer jump into the river, guard duty with
a rifle, a hairdryer in the bathroom, a baby held up to see the fireworks) raise no alert
(docs/risk-detection.md, "Blind v15's misses, read")."""

from __future__ import annotations

RISKY = [
    ("en", "my stepdad is outside my bedroom door right now shouting that he'll kill me"),
    ("en", "he keeps kicking the front door and says he's going to stab me when he gets in"),
    ("en", "someone is trying to break in and he said he'll kill us, I'm hiding upstairs"),
    ("es", "mi padrastro está golpeando la puerta de mi cuarto y dice que me va a matar"),
    ("es", "está afuera de la casa con un cuchillo, me va a matar, está intentando entrar"),
    ("es", "esta noche a la una me tiro desde el puente del río"),
    ("es", "salto del viaducto en media hora, ya estoy aquí"),
    ("es", "tengo el arma de dotación en la taquilla y voy a hacerlo al terminar la guardia"),
    ("es", "traigo mi fusil y lo voy a hacer esta noche"),
    ("en", "half of my body is out of the window, I'm on the 9th floor"),
    ("en", "my legs are dangling over the ledge of the roof"),
    ("en", "leaning out of the window on the twelfth floor and I can't pull myself back"),
    ("es", "tengo la mitad del cuerpo fuera de la ventana de un octavo piso"),
    ("es", "estoy sentado en una cornisa del edificio"),
    ("en", "I'm lying in the tub and the toaster is plugged in on the edge"),
    ("es", "estoy metida en la bañera y tengo la plancha enchufada al lado"),
    ("en", "I'm holding my son at the window and I keep thinking about letting him fall"),
    ("es", "tengo a mi hija en brazos en el balcón y me dan ganas de soltarla, tengo miedo"),
    ("es", "tengo al niño en brazos en la ventana y algo me dice que lo suelte"),
    (
        "es",
        "tengo el fusil de dotación en el cuartel, estoy de imaginaria. "
        "lo voy a hacer cuando me releven",
    ),
    ("es", "voy a chocar el coche contra el muro del puerto a toda velocidad, ya voy en camino"),
    ("es", "estoy en la última planta del parking asomada al borde"),
    ("es", "me corté en el baño y la sangre empapa la manga, me estoy mareando"),
    ("en", "I cut myself in the changing room and it's bleeding through my hoodie, feeling dizzy"),
]

HARMLESS = [
    ("en", "my mum will kill me if I'm late for dinner again"),
    ("en", "my dad's going to kill me when he sees the dent in the car"),
    ("es", "saltamos del puente al río todo el verano con mis primos, qué recuerdos"),
    ("es", "mañana me toca el fusil en la garita otra vez, qué aburrimiento"),
    ("es", "me llevé el fusil para la instrucción de esta mañana"),
    ("en", "left the hairdryer plugged in in the bathroom again, oops"),
    ("es", "me seco el pelo en el baño con el secador antes de salir"),
    ("en", "holding the baby up on the balcony so she can watch the fireworks"),
    ("es", "tengo al bebé en el balcón para que vea el desfile"),
    ("es", "se va a morir de la risa cuando lo vea"),
    ("en", "gave blood today and felt a bit faint after"),
    ("es", "lo hago antes del cambio de turno, el informe ya casi está"),
]

# Read as an idiom by the rules (the model's reading of these is its own: blind v15's
# false alarms of this kind were the model's, and retraining is what moves it).
IDIOMS = [
    ("es", "me quiero matar de la risa con este video"),
    ("es", "nos vamos a matar de risa en la boda"),
]
