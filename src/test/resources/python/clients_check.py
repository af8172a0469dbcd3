"""Real clients against a running kembed query server: OpenAI's Python SDK and Hugging Face's
InferenceClient, used the way RAG frameworks use them (LangChain's OpenAIEmbeddings and
HuggingFaceEndpointEmbeddings, LlamaIndex's OpenAIEmbedding). Prints what they got as JSON.

    python clients_check.py BASE_URL MODEL_NAME TEXT...
"""
import json
import sys

from huggingface_hub import InferenceClient
from openai import OpenAI

base, model, texts = sys.argv[1], sys.argv[2], sys.argv[3:]

# OpenAI's client pointed at kembed (the SDK asks for base64 floats by default and decodes them)
client = OpenAI(base_url=base + "/v1", api_key="unused-without-kembed.http.api.key")
response = client.embeddings.create(model=model, input=texts)
openai_vectors = [d.embedding for d in response.data]
short = client.embeddings.create(model=model, input=texts[0], dimensions=8).data[0].embedding

# Hugging Face's client pointed at kembed's base URL, as at a text-embeddings-inference endpoint
hf = InferenceClient(base_url=base)
hf_vectors = [hf.feature_extraction(t).reshape(-1).tolist() for t in texts]
similarity = hf.sentence_similarity(texts[0], other_sentences=texts[1:])

print(json.dumps({"openai": openai_vectors, "openai_dim8": short, "openai_tokens": response.usage.total_tokens,
                  "hf": hf_vectors, "similarity": similarity}))
