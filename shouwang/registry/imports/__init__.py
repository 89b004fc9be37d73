"""Registry import: the household spreadsheet (家庭成员 + 收支情况) checked row by row, then committed."""
