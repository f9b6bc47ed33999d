export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p role="alert" class="error-note">
      {error.message}
    </p>
  );
}
