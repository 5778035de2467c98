"""People of the demo company: names from several countries, offices and email addresses.

The lists are written for the demo; any resemblance to a real person is a coincidence of
common names. Emails use the reserved ``.example`` domain, so they never reach anyone.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

COMPANY = "Brightfield Systems"
EMAIL_DOMAIN = "brightfield.example"


@dataclass(frozen=True)
class Origin:
    """Where a name comes from: names to draw, and the office and language they go with."""

    female_names: tuple[str, ...]
    male_names: tuple[str, ...]
    last_names: tuple[str, ...]
    offices: tuple[str, ...]
    language: str
    weight: float


ORIGINS: tuple[Origin, ...] = (
    Origin(
        ("Ingrid", "Sigrid", "Kari", "Solveig", "Nora", "Ida", "Maren", "Astrid", "Vilde",
         "Ingeborg", "Tuva", "Marit"),
        ("Ola", "Lars", "Håkon", "Sindre", "Eirik", "Magnus", "Øystein", "Torbjørn", "Jonas",
         "Vegard", "Espen", "Henrik"),
        ("Hansen", "Johansen", "Berg", "Haugen", "Lie", "Dahl", "Bakke", "Strand", "Solberg",
         "Moen", "Lunde", "Nygård", "Aasen", "Eriksen", "Holm", "Sæther", "Vik", "Fjeld"),
        ("Oslo", "Oslo", "Bergen"), "nb", 0.24,
    ),
    Origin(
        ("Anna", "Lena", "Katrin", "Julia", "Sophie", "Miriam", "Jana", "Greta", "Leonie",
         "Franziska", "Sabine", "Clara"),
        ("Lukas", "Felix", "Jonas", "Matthias", "Tobias", "Stefan", "Florian", "Jürgen", "Paul",
         "Maximilian", "Niklas", "Andreas"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Krüger",
         "Wagner", "Braun", "Zimmermann", "Hartmann", "Lange", "Vogel", "Keller", "Roth",
         "Schäfer", "Koch"),
        ("Berlin", "Berlin", "Munich"), "de", 0.24,
    ),
    Origin(
        ("Emily", "Charlotte", "Olivia", "Grace", "Hannah", "Siobhan", "Aoife", "Fiona",
         "Chloe", "Megan", "Niamh", "Lucy"),
        ("James", "Oliver", "Harry", "George", "Callum", "Ciaran", "Thomas", "William", "Jack",
         "Daniel", "Rory", "Samuel"),
        ("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walsh", "Murphy", "Kelly", "Clarke",
         "Wright", "Hughes", "Byrne", "Campbell", "Thompson", "Ward", "Harris", "Doyle"),
        ("London", "Dublin", "Remote"), "en", 0.2,
    ),
    Origin(
        ("Sanne", "Femke", "Lotte", "Anouk", "Eva", "Fleur", "Iris"),
        ("Daan", "Bram", "Sem", "Joris", "Ruben", "Thijs", "Wouter"),
        ("de Vries", "Jansen", "Visser", "Bakker", "Smit", "Meijer", "Mulder", "de Boer",
         "Dekker", "Vos"),
        ("Amsterdam", "Remote"), "en", 0.08,
    ),
    Origin(
        ("Lucía", "Carmen", "Marta", "Elena", "Sara", "Paula", "Irene"),
        ("Pablo", "Javier", "Diego", "Alejandro", "Sergio", "Álvaro", "Raúl"),
        ("García", "Martínez", "López", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz",
         "Molina"),
        ("Berlin", "London", "Remote"), "en", 0.07,
    ),
    Origin(
        ("Agnieszka", "Katarzyna", "Zofia", "Magda", "Joanna", "Ewa"),
        ("Piotr", "Tomasz", "Marcin", "Jakub", "Paweł", "Krzysztof"),
        ("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Wróbel"),
        ("Berlin", "Remote"), "en", 0.06,
    ),
    Origin(
        ("Priya", "Ananya", "Divya", "Kavya", "Meera", "Sneha"),
        ("Arjun", "Rahul", "Vikram", "Rohan", "Aditya", "Karthik"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Menon", "Gupta", "Rao", "Kulkarni"),
        ("London", "Oslo", "Berlin", "Remote"), "en", 0.06,
    ),
    Origin(
        ("Chiamaka", "Ngozi", "Adaeze", "Funmilayo", "Amara", "Yetunde"),
        ("Chinedu", "Emeka", "Tunde", "Obinna", "Kelechi", "Segun"),
        ("Okafor", "Adeyemi", "Eze", "Balogun", "Nwosu", "Okonkwo", "Adebayo", "Obi"),
        ("London", "Amsterdam", "Remote"), "en", 0.05,
    ),
)  # fmt: skip

_ASCII = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d"})


def email_local_part(name: str) -> str:
    """``Øystein Sæther`` -> ``oystein.saether``: ASCII letters and dots only."""
    lowered = name.lower().translate(_ASCII)
    plain = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    words = ["".join(ch for ch in word if ch.isalnum()) for word in plain.split()]
    return ".".join(word for word in words if word)


@dataclass(frozen=True)
class Identity:
    """A person's name, unique email, office, preferred language and gender."""

    name: str
    email: str
    location: str
    language: str
    gender: str


class NameBook:
    """Draws people with unique emails (``name2@`` when a name repeats)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._emails: set[str] = set()

    def person(self) -> Identity:
        rng = self._rng
        origin = rng.choices(ORIGINS, weights=[o.weight for o in ORIGINS])[0]
        gender = rng.choice(("female", "male"))
        first_names = origin.female_names if gender == "female" else origin.male_names
        name = f"{rng.choice(first_names)} {rng.choice(origin.last_names)}"
        local = email_local_part(name)
        email = f"{local}@{EMAIL_DOMAIN}"
        number = 1
        while email in self._emails:
            number += 1
            email = f"{local}{number}@{EMAIL_DOMAIN}"
        self._emails.add(email)
        # Most people in Oslo or Berlin still prefer English material; some do not.
        language = origin.language if rng.random() < 0.3 else "en"
        return Identity(name, email, rng.choice(origin.offices), language, gender)
