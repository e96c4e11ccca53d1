"""`?format=csv` and `?format=xlsx` for list endpoints: the page's rows flattened, formula-neutralised."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from core.spreadsheets import SheetSpec, neutralise, write_workbook


def _rows(data):
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
    if isinstance(data, dict):
        data = [data]
    rows = []
    for item in data or []:
        flat = {}
        for key, value in item.items():
            if isinstance(value, dict):
                for sub, subvalue in value.items():
                    flat[f"{key}.{sub}"] = (
                        subvalue if not isinstance(subvalue, list | dict) else str(subvalue)
                    )
            elif isinstance(value, list):
                # Nested rows (e.g. class units) as readable “k: v” groups, one group per item.
                flat[key] = "; ".join(
                    ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
                    for item in value
                )
            else:
                flat[key] = value
        rows.append(flat)
    headers = []
    for row in rows:
        headers.extend(k for k in row if k not in headers)
    return headers, rows


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        headers, rows = _rows(data)
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so Excel opens UTF-8 Chinese text correctly
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([neutralise(row.get(h)) if row.get(h) is not None else "" for h in headers])
        return buffer.getvalue().encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        headers, rows = _rows(data)
        sheet = SheetSpec(
            title="data",
            columns=[(h, None) for h in headers],
            rows=[tuple(r.get(h) for h in headers) for r in rows],
        )
        return write_workbook([sheet])
