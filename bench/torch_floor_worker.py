"""The torch floor's worker: what a developer writes by hand with sentence-transformers, psycopg2 and pgvector.

Run by bench/torch_floor.py under its own virtualenv (.venv-floor: torch, sentence-transformers), because
torch and its dependencies are several gigabytes that the product never needs. Everything is library
defaults: `SentenceTransformer(path)` on the CPU (so max_seq_length 256 and encode's batch size 32), one
table with a default HNSW index, `ORDER BY embedding <=> %s LIMIT k`, `executemany` for inserts into it.

Protocol: one JSON object per line on stdin, one JSON answer per line on stdout.
  {"op": "search", "query": str, "k": int}            -> {"ids": [int, ...]}
  {"op": "ingest", "texts": [[title, text], ...]}      -> {"inserted": int}
  {"op": "embed", "texts": [str, ...]}                 -> {"count": int}
This file imports nothing from the project: it runs where only the floor's packages exist.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    model_path, dsn = sys.argv[1], sys.argv[2]
    import psycopg2
    import torch
    from pgvector.psycopg2 import register_vector
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    register_vector(conn)
    model.encode(["warm-up"])
    ready = {
        "ready": True,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "max_seq_length": model.max_seq_length,
    }
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "search":
            vector = model.encode([request["query"]])[0]
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT id FROM floor_items ORDER BY embedding <=> %s LIMIT %s", (vector, request["k"])
                )
                answer: dict[str, object] = {"ids": [row[0] for row in cur.fetchall()]}
        elif op == "ingest":
            texts = request["texts"]
            vectors = model.encode([f"{title}\n{text}" for title, text in texts])
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO floor_items (title, text, embedding) VALUES (%s, %s, %s)",
                    [(title, text, vector) for (title, text), vector in zip(texts, vectors, strict=True)],
                )
            answer = {"inserted": len(texts)}
        elif op == "embed":
            answer = {"count": len(model.encode(request["texts"]))}
        else:
            answer = {"error": f"unknown op {op!r}"}
        print(json.dumps(answer), flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
