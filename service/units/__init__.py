"""Units (单位): the API of the departments, townships, village committees and companies that lead and cooperate."""
