// The book's serverless handler (Fundamentals of DevOps, ch. 3): one file, no dependencies,
// answers every request 200 "Hello, World!". The book writes it callback-style; this is the
// same handler as an async function, the only form the nodejs24.x runtime accepts.
// The baseline for the Lambda size and cold-initialisation benchmark.
exports.handler = async () => ({ statusCode: 200, body: 'Hello, World!' });
