import { AppHeader } from '../components/AppHeader';
import { NewDiagnosis } from '../components/NewDiagnosis';

export default function Home() {
  return (
    <>
      <AppHeader />
      <main className="mx-auto max-w-[1400px] px-6 py-8">
        <NewDiagnosis />
      </main>
    </>
  );
}
