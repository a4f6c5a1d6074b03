"""Reading a table row of a rendered page in the tests: its cells as the user reads them."""
import re


def cell_texts(row_html):
    """The text of each <td> of `row_html`, tags removed, still escaped as written."""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]
