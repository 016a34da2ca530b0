"""Queries with every operator, and words for random texts they match and miss: for
the tests that hold one form of the matcher to another."""

QUERIES = [
    '"remain in mexico" OR (=MPP NEAR/3 asylum) OR migra*',
    "(asylum OR asilo) AND (officers OR oficiales) NOT lunatic",
    'title:("in mexico" OR remain) body:asylum',
    "asylum lang:es",
    '(asylum lang:es) OR (asilo NOT "lunatic asylum") OR migr*',
    "migrant* NEAR/2 (court* OR =MPP)",
    "title:remain* OR body:mexic*",
    "(migrant~ OR asilo~) NEAR/3 court~ OR title:deport~",
    "audiencia~ OR (hearing~ NOT lunatic) OR oficial~",
]
WORDS = ["remain", "in", "mexico", "México", "MPP", "mpp", "asylum", "asilo", "officers",
         "lunatic", "migrants", "migrant", "migración", "court", "courts", "the", "Remain",
         "Kyiv’s", "straße", ",", "—", "deportados", "Deportación", "deported", "hearings",
         "audiencias", "asilos", "oficial", "heard"]  # fmt: skip
