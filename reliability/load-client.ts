// The load part's client, in a process of its own so that its work never shows in the server's
// event-loop delay: sends every request of REQUESTS.json at once (one connection each) and
// writes each answer.
//   tsx reliability/load-client.ts URL REQUESTS.json ANSWERS.json
import fs from 'node:fs';
import http from 'node:http';

interface LoadRequest {
  image: string;
  expression: string;
}

export interface LoadAnswer {
  status: number;
  retryAfter: string | null;
  body: unknown;
  ms: number;
}

function post(url: URL, body: string): Promise<Omit<LoadAnswer, 'ms'>> {
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // kept as text: the check reports it
        }
        resolve({ status: response.statusCode ?? 0, retryAfter: (response.headers['retry-after'] as string | undefined) ?? null, body: parsed });
      });
    });
    request.on('error', (error) => resolve({ status: 0, retryAfter: null, body: { error: error.message } }));
    request.end(body);
  });
}

async function main(): Promise<void> {
  const [url, requestsFile, answersFile] = process.argv.slice(2) as [string, string, string];
  const requests = JSON.parse(fs.readFileSync(requestsFile, 'utf8')) as LoadRequest[];
  const target = new URL('/v1/predict', url);
  const started = performance.now();
  const answers = await Promise.all(
    requests.map(async (request) => {
      const sent = performance.now();
      const answer = await post(target, JSON.stringify(request));
      return { ...answer, ms: performance.now() - sent };
    }),
  );
  fs.writeFileSync(answersFile, JSON.stringify({ answers, seconds: (performance.now() - started) / 1000 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
