"""Project assets (项目资产): the ledgers by class, condition checks, income and its distribution, disposal."""
