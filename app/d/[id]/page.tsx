import { AppHeader } from '../../../components/AppHeader';
import { DiagnosisView } from '../../../components/DiagnosisView';

export default async function DiagnosisPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <>
      <AppHeader />
      <main className="mx-auto max-w-[1400px] px-6 py-6">
        <DiagnosisView id={id} />
      </main>
    </>
  );
}
