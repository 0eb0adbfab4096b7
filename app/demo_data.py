"""Reference data of the demo programme: people, organisations and places of the Grand Est.

The organisations are fictional unless they are public bodies named only by their function
(« Département de la Moselle », « Université de Lorraine »). Every e-mail address ends in
`.example` (RFC 2606): a demo database can never e-mail a real person.
"""

from __future__ import annotations

from typing import NamedTuple

PROGRAMME_SLUG = "hybrider-son-modele-socio-economique-territorial"
PROGRAMME_TITLE = "Hybrider son modèle socio-économique territorial"
PROGRAMME_DESCRIPTION = (
    "Un parcours expérientiel pour les actrices et acteurs du Grand Est qui veulent faire évoluer "
    "le modèle socio-économique de leur projet de territoire : diversifier les ressources, "
    "mobiliser les richesses humaines et nouer des alliances stratégiques entre collectivités, "
    "associations, entreprises, acteurs de l'économie sociale et solidaire et de la recherche.\n\n"
    "Chaque atelier réunit des pairs de profils différents en sous-groupes de quatre à huit "
    "personnes, sous la règle de Chatham House : ce qui est dit peut être repris, sans jamais "
    "citer qui l'a dit."
)
PROGRAMME_ORGANISATIONS = (
    "Région Grand Est",
    "CNFPT — délégation Grand Est",
    "Laboratoire d'innovation territoriale (association)",
)


class DemoOrganisation(NamedTuple):
    """One organisation of the demo: its name, actor profile, département and e-mail domain."""

    name: str
    actor_profile: str
    territory: str
    domain: str


ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    # Collectivités territoriales et groupements
    DemoOrganisation("Ville de Metz", "local_authority", "Moselle", "ville-metz.example"),
    DemoOrganisation("Metz Métropole", "local_authority", "Moselle", "metzmetropole.example"),
    DemoOrganisation(
        "Métropole du Grand Nancy", "local_authority", "Meurthe-et-Moselle", "grandnancy.example"
    ),
    DemoOrganisation("Eurométropole de Strasbourg", "local_authority", "Bas-Rhin", "eurometropole.example"),
    DemoOrganisation("Communauté urbaine du Grand Reims", "local_authority", "Marne", "grandreims.example"),
    DemoOrganisation("Troyes Champagne Métropole", "local_authority", "Aube", "troyes-agglo.example"),
    DemoOrganisation(
        "Communauté d'agglomération d'Épinal", "local_authority", "Vosges", "agglo-epinal.example"
    ),
    DemoOrganisation("Colmar Agglomération", "local_authority", "Haut-Rhin", "colmar-agglo.example"),
    DemoOrganisation("Mulhouse Alsace Agglomération", "local_authority", "Haut-Rhin", "m2a.example"),
    DemoOrganisation("Ardenne Métropole", "local_authority", "Ardennes", "ardenne-metropole.example"),
    DemoOrganisation("Châlons Agglo", "local_authority", "Marne", "chalons-agglo.example"),
    DemoOrganisation("Département de la Moselle", "local_authority", "Moselle", "moselle-dept.example"),
    DemoOrganisation("Département des Vosges", "local_authority", "Vosges", "vosges-dept.example"),
    DemoOrganisation("Département de la Meuse", "local_authority", "Meuse", "meuse-dept.example"),
    DemoOrganisation(
        "Département de la Haute-Marne", "local_authority", "Haute-Marne", "haute-marne.example"
    ),
    DemoOrganisation("Commune de Saint-Dié-des-Vosges", "local_authority", "Vosges", "saint-die.example"),
    DemoOrganisation("Commune de Verdun", "local_authority", "Meuse", "verdun-mairie.example"),
    DemoOrganisation("Commune de Langres", "local_authority", "Haute-Marne", "langres-mairie.example"),
    # État et établissements publics
    DemoOrganisation("Préfecture des Ardennes", "state_public_body", "Ardennes", "ardennes-pref.example"),
    DemoOrganisation("DREETS Grand Est", "state_public_body", "Bas-Rhin", "dreets-ge.example"),
    DemoOrganisation(
        "Banque des Territoires — direction régionale Grand Est",
        "state_public_body",
        "Bas-Rhin",
        "bdt-grandest.example",
    ),
    DemoOrganisation("Agence de l'eau Rhin-Meuse", "state_public_body", "Moselle", "eau-rhin-meuse.example"),
    # Associations
    DemoOrganisation(
        "Association Trait d'union, Mulhouse", "association", "Haut-Rhin", "traitdunion.example"
    ),
    DemoOrganisation("Centre social Le Lien, Reims", "association", "Marne", "centre-lelien.example"),
    DemoOrganisation("Ressourcerie du Pays d'Épinal", "association", "Vosges", "ressourcerie-epinal.example"),
    DemoOrganisation(
        "Jardins partagés de Vandœuvre", "association", "Meurthe-et-Moselle", "jardins-vdo.example"
    ),
    DemoOrganisation("Maison des associations de Troyes", "association", "Aube", "mda-troyes.example"),
    DemoOrganisation("Culture et lien social Ardennes", "association", "Ardennes", "cls-ardennes.example"),
    DemoOrganisation("Mobilité solidaire Meuse", "association", "Meuse", "mobilite-meuse.example"),
    DemoOrganisation(
        "Fédération des foyers ruraux de Haute-Marne", "association", "Haute-Marne", "fdfr52.example"
    ),
    # Fondations et fonds de dotation
    DemoOrganisation(
        "Fondation lorraine pour l'innovation sociale", "foundation", "Meurthe-et-Moselle", "flis.example"
    ),
    DemoOrganisation("Fonds de dotation Rhin solidaire", "foundation", "Bas-Rhin", "rhin-solidaire.example"),
    DemoOrganisation(
        "Fondation Champagne Solidarités", "foundation", "Marne", "champagne-solidarites.example"
    ),
    # Entreprises
    DemoOrganisation("Imprimerie Valentin, Épinal", "company", "Vosges", "imprimerie-valentin.example"),
    DemoOrganisation("Bureau d'études Terranova, Metz", "company", "Moselle", "terranova-be.example"),
    DemoOrganisation("Transports Kieffer, Colmar", "company", "Haut-Rhin", "kieffer-transports.example"),
    DemoOrganisation("Menuiserie Aubert, Chaumont", "company", "Haute-Marne", "menuiserie-aubert.example"),
    # Entreprises de l'ESS (SCOP, SCIC, SIAE, mutuelles)
    DemoOrganisation("SCOP Bâti'Vert, Nancy", "ess_enterprise", "Meurthe-et-Moselle", "bativert.example"),
    DemoOrganisation("SCIC Énergies citoyennes des Vosges", "ess_enterprise", "Vosges", "ecv-scic.example"),
    DemoOrganisation(
        "Entreprise d'insertion Rebonds, Mulhouse", "ess_enterprise", "Haut-Rhin", "rebonds-ei.example"
    ),
    DemoOrganisation(
        "SCIC La Fabrique, Châlons-en-Champagne", "ess_enterprise", "Marne", "lafabrique-scic.example"
    ),
    DemoOrganisation(
        "Coopérative d'activité et d'emploi Ardennes Coop",
        "ess_enterprise",
        "Ardennes",
        "ardennescoop.example",
    ),
    DemoOrganisation("Mutuelle solidaire de l'Est", "ess_enterprise", "Bas-Rhin", "mutuelle-est.example"),
    # Recherche et enseignement supérieur
    DemoOrganisation("Université de Lorraine", "academic", "Meurthe-et-Moselle", "univ-lorraine.example"),
    DemoOrganisation("Université de Reims Champagne-Ardenne", "academic", "Marne", "univ-reims.example"),
    DemoOrganisation("Université de Strasbourg", "academic", "Bas-Rhin", "unistra.example"),
    DemoOrganisation("Université de Haute-Alsace", "academic", "Haut-Rhin", "uha.example"),
    DemoOrganisation("Université de technologie de Troyes", "academic", "Aube", "utt.example"),
    # Accompagnement
    DemoOrganisation("DLA de la Moselle", "support_intermediary", "Moselle", "dla57.example"),
    DemoOrganisation("DLA des Vosges", "support_intermediary", "Vosges", "dla88.example"),
    DemoOrganisation("CRESS Grand Est", "support_intermediary", "Moselle", "cress-grandest.example"),
    DemoOrganisation(
        "Incubateur Semeurs d'avenir, Strasbourg", "support_intermediary", "Bas-Rhin", "semeurs.example"
    ),
    DemoOrganisation(
        "Cabinet Territoires et coopérations, Reims", "support_intermediary", "Marne", "tec-conseil.example"
    ),
    # Habitantes et habitants, autres
    DemoOrganisation("À titre individuel, Troyes", "citizen", "Aube", "courriel-perso.example"),
    DemoOrganisation(
        "À titre individuel, Charleville-Mézières", "citizen", "Ardennes", "courriel-perso.example"
    ),
    DemoOrganisation(
        "Chambre de commerce et d'industrie Marne en Champagne", "other", "Marne", "cci-marne.example"
    ),
)

# An epicene mix: first names worn by women and men alike, and others of each.
FIRST_NAMES: tuple[str, ...] = (
    "Camille",
    "Dominique",
    "Claude",
    "Sacha",
    "Alix",
    "Charlie",
    "Morgan",
    "Lou",
    "Eden",
    "Maxime",
    "Andréa",
    "Noa",
    "Ange",
    "Céleste",
    "Stéphane",
    "Amélie",
    "Nadia",
    "Sophie",
    "Léa",
    "Inès",
    "Claire",
    "Élise",
    "Manon",
    "Fatou",
    "Aurélie",
    "Margaux",
    "Hélène",
    "Yasmina",
    "Odile",
    "Mathilde",
    "Sandrine",
    "Lina",
    "Chloé",
    "Anne-Laure",
    "Julien",
    "Thomas",
    "Mehdi",
    "Nicolas",
    "Antoine",
    "Karim",
    "Hugo",
    "Baptiste",
    "Vincent",
    "Olivier",
    "Rémi",
    "Théo",
    "Jean-Marc",
    "Loïc",
    "Samuel",
    "Mathieu",
    "Florent",
    "Youssef",
)

# Surnames of the region (Alsace, Lorraine, Champagne) and of France at large.
LAST_NAMES: tuple[str, ...] = (
    "Muller",
    "Schmitt",
    "Meyer",
    "Klein",
    "Weber",
    "Fischer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schneider",
    "Keller",
    "Roth",
    "Bauer",
    "Koch",
    "Zimmermann",
    "Kieffer",
    "Lambert",
    "Thomas",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Michel",
    "Garcia",
    "Bernard",
    "Mathieu",
    "Colin",
    "Gérard",
    "Marchal",
    "Jacquot",
    "Didier",
    "Antoine",
    "Humbert",
    "Adam",
    "Huguet",
    "Haddad",
    "Benali",
    "Nguyen",
    "Diallo",
    "Da Silva",
    "Kaya",
    "Traoré",
    "Lefèvre",
    "Rousseau",
    "Perrin",
    "Guérin",
    "Masson",
    "Chevalier",
    "François",
    "Mercier",
    "Gauthier",
    "Barbier",
    "Renaud",
    "Aubry",
    "Poirot",
    "Collignon",
    "Thiébaut",
    "Vautrin",
    "Pierson",
    "Georges",
    "Hennequin",
    "Bouchez",
    "Ouali",
    "Mansouri",
    "Lopes",
    "Kowalski",
    "Morel",
    "Blanchard",
)

# Job titles named by function (« Direction », « Coordination »): epicene, whoever holds them.
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "local_authority": (
        "Mission économie sociale et solidaire",
        "Direction du développement territorial",
        "Responsable de la vie associative",
        "Direction de projet politique de la ville",
        "Mission transition écologique",
    ),
    "state_public_body": (
        "Mission innovation sociale",
        "Responsable des affaires territoriales",
        "Référent ou référente ESS",
    ),
    "association": ("Direction", "Coordination", "Présidence", "Développement", "Trésorerie bénévole"),
    "foundation": ("Responsable des programmes", "Délégation générale", "Partenariats"),
    "company": ("Gérance", "Responsable RSE", "Direction administrative et financière"),
    "ess_enterprise": ("Cogérance", "Direction", "Animation du sociétariat", "Encadrement technique"),
    "academic": (
        "Enseignement et recherche en économie territoriale",
        "Recherche en géographie",
        "Doctorat en sciences de gestion",
    ),
    "support_intermediary": ("Mission DLA", "Conseil en stratégie", "Responsable de l'incubation"),
    "citizen": ("Membre d'un conseil citoyen", "Engagement bénévole"),
    "other": ("Conseil aux entreprises", "Mission territoires"),
}

# Staff of the co-organising bodies: two facilitators and an administrator.
FACILITATORS: tuple[tuple[str, str, str, str, str], ...] = (
    ("Nadia", "Schaeffer", "Région Grand Est", "region-grandest.example", "Bas-Rhin"),
    ("Julien", "Marchetti", "CNFPT — délégation Grand Est", "cnfpt-grandest.example", "Meurthe-et-Moselle"),
)
ADMIN = ("Claude", "Vogel", "Laboratoire d'innovation territoriale", "lab-territorial.example", "Moselle")

PARTICIPANT_COUNT = 70


class DemoWorkshop(NamedTuple):
    """One workshop of the demo, dated relative to the day the demo is loaded."""

    title: str
    description: str
    format: str
    days_from_today: int
    start_hour: tuple[int, int]
    duration_hours: float
    place: str
    capacity: int
    registrations: int
    attribution_mode: str
    note_categories: tuple[str, ...]


WORKSHOPS: tuple[DemoWorkshop, ...] = (
    DemoWorkshop(
        title="Atelier 1 — Diagnostiquer son modèle socio-économique",
        description=(
            "Premier atelier de partage entre pairs : chaque personne présente son projet et les "
            "trois leviers de son modèle (richesses humaines, ressources financières, alliances "
            "stratégiques), puis les sous-groupes repèrent pratiques inspirantes et difficultés."
        ),
        format="peer_workshop",
        days_from_today=-28,
        start_hour=(9, 30),
        duration_hours=3,
        place="Maison de la Région, Strasbourg",
        capacity=40,
        registrations=36,
        attribution_mode="by_profile",
        note_categories=("inspiring_practice", "difficulty", "lever", "learning"),
    ),
    DemoWorkshop(
        title="Atelier 2 — Coopérer entre acteurs du territoire : les alliances stratégiques",
        description=(
            "Un World Café en trois tables tournantes pour explorer les alliances entre "
            "collectivités, associations, entreprises et acteurs de la recherche : à quelles "
            "conditions une coopération tient-elle dans la durée ?"
        ),
        format="world_cafe",
        days_from_today=21,
        start_hour=(14, 0),
        duration_hours=3,
        place="CNFPT — délégation Grand Est, site de Nancy",
        capacity=30,
        registrations=18,
        attribution_mode="anonymous",
        note_categories=("success_condition", "lever", "open_question", "action_idea"),
    ),
    DemoWorkshop(
        title="Atelier 3 — Diversifier ses ressources financières",
        description=(
            "Une journée de co-développement : en groupes de six, chaque cas apporté par une "
            "personne participante est travaillé par ses pairs (mécénat, fonds européens, "
            "commande publique, financement participatif, vente de prestations)."
        ),
        format="codevelopment",
        days_from_today=42,
        start_hour=(9, 30),
        duration_hours=7,
        place="Maison de la Région, Metz",
        capacity=16,
        registrations=22,
        attribution_mode="named",
        note_categories=("difficulty", "lever", "action_idea", "learning"),
    ),
)

# Share of confirmed people present at the past workshop; the rest are marked absent.
PRESENCE_RATE = 0.85

# Notes the groups of the past workshop wrote, per category (drawn in turn by each group).
DEMO_NOTES: dict[str, tuple[str, ...]] = {
    "inspiring_practice": (
        "Une commune rurale a confié la gestion de son tiers-lieu à une association d'habitants, "
        "avec une convention d'objectifs sur trois ans.",
        "Un groupement d'employeurs partagé entre quatre associations sportives : un poste de "
        "coordination à temps plein au lieu de quatre temps partiels.",
        "La recyclerie du territoire facture des prestations de collecte aux entreprises voisines : "
        "30 % de son budget aujourd'hui.",
        "Un fonds de dotation territorial réunit des entreprises locales autour de projets "
        "d'intérêt général choisis avec la communauté de communes.",
        "Une SCIC associe la collectivité, les salariés et les usagers au capital d'une crèche.",
    ),
    "difficulty": (
        "Les appels à projets imposent des calendriers courts : on passe plus de temps à écrire "
        "des dossiers qu'à conduire le projet.",
        "Les bénévoles s'épuisent : les mêmes personnes portent tout depuis dix ans.",
        "Difficile de valoriser l'utilité sociale auprès des financeurs privés.",
        "La commande publique reste peu accessible aux petites structures de l'ESS.",
    ),
    "lever": (
        "Mutualiser une fonction support (comptabilité, paie) entre plusieurs structures.",
        "Le DLA a financé un accompagnement de six mois sur notre modèle économique.",
        "Un élu référent ESS à la communauté de communes facilite les échanges.",
        "Les clauses sociales dans les marchés publics ouvrent de nouveaux débouchés.",
    ),
    "learning": (
        "Hybrider ses ressources, c'est d'abord connaître finement ses coûts.",
        "Les alliances se construisent dans la durée : il faut du temps de rencontre informel.",
        "Un modèle socio-économique se pilote avec tous les acteurs, pas seulement le conseil "
        "d'administration.",
    ),
}

DEMO_SUMMARY = (
    "Nous retenons l'importance de mutualiser des fonctions support et de connaître ses coûts "
    "avant de diversifier ses ressources. Les alliances avec la collectivité passent par des "
    "personnes référentes identifiées."
)
