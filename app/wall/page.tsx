import { Wallboard } from '../../components/Wallboard';

export default function WallPage() {
  return <Wallboard />;
}
