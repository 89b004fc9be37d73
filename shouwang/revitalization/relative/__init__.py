"""Relative poverty (相对贫困): the median income, relative lines and the FGT indices per year and region."""
