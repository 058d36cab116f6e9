import { AppHeader } from '../../../components/AppHeader';
import { DiagnosisView } from '../../../components/DiagnosisView';

export default async function DiagnosisPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ matrix?: string | string[] }> }) {
  const { id } = await params;
  // opened from a matrix cell (/d/ID?matrix=MID): the page links back to that matrix
  const m = (await searchParams).matrix;
  const matrix = typeof m === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(m) ? m : undefined;
  return (
    <>
      <AppHeader />
      <main className="mx-auto max-w-[1400px] px-6 py-6">
        <DiagnosisView id={id} {...(matrix ? { matrix } : {})} />
      </main>
    </>
  );
}
